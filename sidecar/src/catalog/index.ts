export { Catalog, CatalogError, MANAGER_ROLES } from './catalog';
export type { CatalogDeps, CatalogOptions, CatalogSnapshot, PricedMember } from './catalog';
export * from './mapping';
export * from './erp-values';
