import type { MethodRegistry } from '../http/methods';
import type { Site } from '../site';
import { registerFramework } from './framework';
import { registerGatewayDocTypes } from './gateway';
import { registerMasters } from './masters';
import { registerPayments, type GetPaymentEntry } from './payments';
import { registerSalesInvoice } from './sales-invoice';
import { registerSettings } from './settings';

/** Installs the controllers and whitelisted methods of Frappe and ERPNext that the emulator reproduces. */
export function registerControllers(site: Site, methods: MethodRegistry): { getPaymentEntry: GetPaymentEntry } {
  registerFramework(site, methods);
  registerMasters(site);
  registerSettings(site);
  registerSalesInvoice(site, methods);
  registerGatewayDocTypes(site);
  return registerPayments(site, methods);
}
