import type { MethodRegistry } from '../http/methods';
import type { Site } from '../site';
import { registerFramework } from './framework';
import { registerMasters } from './masters';
import { registerPayments } from './payments';
import { registerSalesInvoice } from './sales-invoice';
import { registerSettings } from './settings';

/** Installs the controllers and whitelisted methods of Frappe and ERPNext that the emulator reproduces. */
export function registerControllers(site: Site, methods: MethodRegistry): void {
  registerFramework(site, methods);
  registerMasters(site);
  registerSettings(site);
  registerSalesInvoice(site, methods);
  registerPayments(site, methods);
}
