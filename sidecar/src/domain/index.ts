/**
 * Créneau's booking core: pure functions over data handed in (settings, bookings, prices, "now").
 * No I/O, no clock. See README.md in this folder for the rules as implemented.
 */
export * from './time';
export * from './text';
export * from './money';
export * from './reasons';
export * from './holidays';
export * from './resource';
export * from './schedule';
export * from './booking';
export * from './availability';
export * from './rules';
export * from './pricing';
export * from './recurrence';
export * from './tickets-reasons';
export * from './tickets';
export * from './tickets-allocation';
