export * from './contract';
export { createTicketEngine } from './engine';
export type { TicketEngine, TicketEngineDeps } from './engine';
export type { TicketEngineOptions, TicketPlace } from './context';
export type { DailyReport, InvoiceOutcome } from './service';
export type { LoadReport, TicketReconcileReport } from './sync';
