import { ErpNotFoundError, type DocValues, type ErpPort } from '../../../sidecar/src/erp';
import {
  DEMO_ITEMS,
  DEMO_MANAGER,
  DEMO_MEMBERS,
  DEMO_PACKS,
  DEMO_PASSWORD,
  DEMO_RESOURCES,
  MEMBER_GROUP,
  MEMBER_PRICE_LIST,
  PUBLIC_PRICE_LIST,
  UNIT_HOURS,
} from './demo-data';

/**
 * Seeds the demo tiers-lieu through the ERP's REST API, as a manager would set it up in the desk. Idempotent:
 * each record is looked up first, so a second `npm start` adds nothing. The add-on must be installed first
 * (the Creneau DocTypes, the Half Day UOM).
 */
export async function seedDemo(erp: ErpPort, print: (line: string) => void): Promise<{ created: number }> {
  let created = 0;
  const ensure = async (doctype: string, name: string, doc: DocValues): Promise<void> => {
    if (await exists(erp, doctype, name)) return;
    await erp.insert(doctype, doc);
    created += 1;
  };
  const ensureWhere = async (doctype: string, filters: [string, '=', string][], doc: DocValues): Promise<void> => {
    if ((await erp.count(doctype, { filters })) > 0) return;
    await erp.insert(doctype, doc);
    created += 1;
  };

  const company = await defaultCompany(erp);

  // The member group names the member price list: the list comes first.
  await ensure('Price List', MEMBER_PRICE_LIST, { price_list_name: MEMBER_PRICE_LIST, currency: 'EUR', selling: 1, buying: 0, enabled: 1 });
  await ensure('Customer Group', MEMBER_GROUP, {
    customer_group_name: MEMBER_GROUP,
    parent_customer_group: 'All Customer Groups',
    is_group: 0,
    default_price_list: MEMBER_PRICE_LIST,
  });

  for (const item of DEMO_ITEMS) {
    await ensure('Item', item.item_code, {
      item_code: item.item_code,
      item_name: item.item_name,
      description: item.description,
      item_group: 'Services',
      stock_uom: 'Hour',
      is_stock_item: 0,
      include_item_in_manufacturing: 0,
      uoms: Object.entries(UNIT_HOURS)
        .filter(([uom]) => uom in item.public)
        .map(([uom, hours]) => ({ uom, conversion_factor: hours })),
    });
    for (const [priceList, prices] of [
      [PUBLIC_PRICE_LIST, item.public],
      [MEMBER_PRICE_LIST, item.member],
    ] as const) {
      for (const [uom, cents] of Object.entries(prices)) {
        await ensureWhere(
          'Item Price',
          [
            ['item_code', '=', item.item_code],
            ['price_list', '=', priceList],
            ['uom', '=', uom],
          ],
          // Item Price's rate is a decimal currency field; the cents are written as an exact decimal string.
          { item_code: item.item_code, price_list: priceList, uom, price_list_rate: centsToDecimal(cents), selling: 1 },
        );
      }
    }
  }

  for (const resource of DEMO_RESOURCES) {
    await ensure('Creneau Resource', String(resource.resource_name), resource);
  }

  // Ticket packs: an Item sold by the pack (its stock unit the pack), priced per list, and the pack type it credits.
  for (const pack of DEMO_PACKS) {
    await ensure('Item', pack.item_code, {
      item_code: pack.item_code,
      item_name: pack.item_name,
      description: pack.description,
      item_group: 'Services',
      stock_uom: 'Nos',
      is_stock_item: 0,
      include_item_in_manufacturing: 0,
    });
    for (const [priceList, cents] of [
      [PUBLIC_PRICE_LIST, pack.public],
      [MEMBER_PRICE_LIST, pack.member],
    ] as const) {
      await ensureWhere(
        'Item Price',
        [
          ['item_code', '=', pack.item_code],
          ['price_list', '=', priceList],
        ],
        { item_code: pack.item_code, price_list: priceList, uom: 'Nos', price_list_rate: centsToDecimal(cents), selling: 1 },
      );
    }
    await ensure('Creneau Ticket Pack Type', String(pack.pack.pack_type_name), pack.pack);
  }

  const settings = await erp.getDoc('Creneau Settings', 'Creneau Settings').catch(() => undefined);
  if (!settings?.default_price_list) {
    await erp.update('Creneau Settings', 'Creneau Settings', {
      default_price_list: PUBLIC_PRICE_LIST,
      hold_minutes: 15,
      ...(company ? { company } : {}),
      cancellation_steps: [
        { hours_before: 48, refund_percent: 100 },
        { hours_before: 24, refund_percent: 50 },
        { hours_before: 0, refund_percent: 0 },
      ],
    });
    created += 1;
  }

  for (const member of DEMO_MEMBERS) {
    await ensure('User', member.email, {
      email: member.email,
      first_name: member.first_name,
      ...(member.last_name ? { last_name: member.last_name } : {}),
      user_type: 'Website User',
      send_welcome_email: 0,
      new_password: DEMO_PASSWORD,
      roles: [{ role: 'Customer' }],
    });
    await ensure('Customer', member.customer_name, {
      customer_name: member.customer_name,
      customer_type: member.customer_type,
      customer_group: member.customer_group,
      territory: 'France',
      creneau_post_paid: member.postPaid ? 1 : 0,
      ...(member.qualifications ? { creneau_qualifications: member.qualifications } : {}),
      portal_users: [{ user: member.email }],
    });
  }

  await ensure('User', DEMO_MANAGER.email, {
    email: DEMO_MANAGER.email,
    first_name: DEMO_MANAGER.first_name,
    last_name: DEMO_MANAGER.last_name,
    user_type: 'System User',
    send_welcome_email: 0,
    new_password: DEMO_PASSWORD,
    roles: [{ role: 'Creneau Manager' }],
  });

  print(created > 0 ? `Demo tiers-lieu seeded: ${String(created)} records written.` : 'Demo tiers-lieu already seeded.');
  return { created };
}

async function exists(erp: ErpPort, doctype: string, name: string): Promise<boolean> {
  try {
    await erp.getDoc(doctype, name);
    return true;
  } catch (error) {
    if (error instanceof ErpNotFoundError) return false;
    throw error;
  }
}

async function defaultCompany(erp: ErpPort): Promise<string | undefined> {
  const rows = await erp.list('Company', { fields: ['name'], limitPageLength: 1 });
  const name = rows[0]?.name;
  return typeof name === 'string' ? name : undefined;
}

export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${String(Math.trunc(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}
