import type { Doc, EmulatorHandle } from '../emulator/src';

/**
 * A test place's own data written straight into the emulator's store (no request, no webhook), as a tiers-lieu's
 * ERP would hold it: resources with their Item and prices, members (a portal User and their Customer), a manager.
 */

type Store = EmulatorHandle['store'];

const WEEK = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Creneau Resource opening-hours rows: every day of the week from..to ("HH:MM:SS"). */
export function everyDay(from: string, to: string): Doc[] {
  return WEEK.map((weekday) => ({ weekday, from_time: from, to_time: to }));
}

export interface ResourceDocs {
  name: string;
  /** Its Item (a service sold by the hour). */
  item: string;
  /** Rates by price list, then by UOM, in the ERP's decimal form. */
  prices: Record<string, Record<string, number>>;
  /** Item Price rows valid from that date; none: always valid. */
  pricesFrom?: string;
  /** The Creneau Resource's other fields (kind, capacity, slot_minutes, opening_hours...). */
  fields: Doc;
}

/** A bookable resource: its Item, the Item's prices, and the Creneau Resource. */
export function addResource(store: Store, resource: ResourceDocs): void {
  store.insert({ doctype: 'Item', item_code: resource.item, item_name: resource.name, item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0 });
  for (const [priceList, rates] of Object.entries(resource.prices)) {
    for (const [uom, rate] of Object.entries(rates)) {
      store.insert({
        doctype: 'Item Price',
        item_code: resource.item,
        uom,
        price_list: priceList,
        price_list_rate: rate,
        ...(resource.pricesFrom ? { valid_from: resource.pricesFrom } : {}),
      });
    }
  }
  store.insert({ doctype: 'Creneau Resource', resource_name: resource.name, item: resource.item, horizon_days: 0, ...resource.fields });
}

export interface MemberDocs {
  email: string;
  firstName: string;
  customer: string;
  customerGroup?: string;
  /** A portal password, for tests that sign in through the ERP's login. */
  password?: string;
  /** More fields of the User (user_type, roles). */
  userFields?: Doc;
  /** More fields of the Customer (the add-on's creneau_post_paid, creneau_qualifications). */
  customerFields?: Doc;
}

/** A member: a portal User, and the Customer it is a portal user of. */
export function addMember(store: Store, member: MemberDocs): void {
  store.insert({
    doctype: 'User',
    email: member.email,
    first_name: member.firstName,
    send_welcome_email: 0,
    ...(member.password ? { new_password: member.password } : {}),
    ...member.userFields,
  });
  store.insert({
    doctype: 'Customer',
    customer_name: member.customer,
    customer_type: 'Individual',
    customer_group: member.customerGroup ?? 'Individual',
    territory: 'France',
    portal_users: [{ user: member.email }],
    ...member.customerFields,
  });
}

/** A desk user with the add-on's Creneau Manager role (the role is created when the site lacks it). */
export function addManager(store: Store, manager: { email: string; firstName: string; password?: string }): void {
  store.insert({ doctype: 'User', email: manager.email, first_name: manager.firstName, send_welcome_email: 0, ...(manager.password ? { new_password: manager.password } : {}) });
  if (!store.get('Role', 'Creneau Manager')) store.insert({ doctype: 'Role', role_name: 'Creneau Manager', desk_access: 1 });
  store.update('User', manager.email, { roles: [{ role: 'Creneau Manager' }] });
}
