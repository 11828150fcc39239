export * from './contract';
export { PlaceMoney } from './service';
export type { MoneyDeps, MoneyOptions } from './service';
