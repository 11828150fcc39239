export * from './contract';
export { createBookingEngine } from './engine';
export type { BookingEngine, BookingEngineDeps } from './engine';
export type { BookingEngineOptions } from './context';
export type { ReconcileReport } from './sync';
