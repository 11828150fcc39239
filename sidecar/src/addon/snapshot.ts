import { z } from 'zod';
import { flag } from '../catalog/erp-values';
import { ErpNotFoundError, ErpPermissionError, namedRowSchema, type ErpPort } from '../erp';
import { LAYOUT_FIELDTYPES, type AddonDefinitions } from './definitions';
import { ErpCustomField, ErpDocType, ErpModuleDef, ErpUomConversionFactor, ErpUser, ErpWebhook } from './erp-records';
import { standardDocTypesNeeded, type ErpSnapshot, type PermissionRow, type Right, type UninstallSnapshot } from './plan';
import { webhookNamePrefix } from './webhooks';

/**
 * Reads, through the ERP port, what the planner compares: the add-on's DocTypes, Custom Fields,
 * Webhooks and setup records as the ERP holds them, and who the API user is. Reads only. A read
 * the ERP refuses is noted rather than thrown, so that the manager learns every missing right at
 * once.
 */

/** The ERP DocTypes the installer writes to, with what it may do to them; their permissions are checked before a run. */
export const WRITTEN_DOCTYPES: Readonly<Record<string, readonly Right[]>> = {
  'Module Def': ['create', 'delete'],
  Role: ['create', 'delete'],
  DocType: ['create', 'write', 'delete'],
  'Custom Field': ['create', 'write', 'delete'],
  UOM: ['create', 'delete'],
  'UOM Category': ['create'],
  'UOM Conversion Factor': ['create', 'delete'],
  Webhook: ['create', 'write', 'delete'],
};

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

const PermissionFlags = z.looseObject({
  role: z.string(),
  permlevel: z.number().nullish(),
  read: z.unknown(),
  create: z.unknown(),
  write: z.unknown(),
  delete: z.unknown(),
});

function permissionRows(rows: readonly z.infer<typeof PermissionFlags>[]): PermissionRow[] {
  return rows.map((row) => ({
    role: row.role,
    permlevel: row.permlevel ?? 0,
    read: flag(row.read),
    create: flag(row.create),
    write: flag(row.write),
    delete: flag(row.delete),
  }));
}

export interface SnapshotTarget {
  place: string;
  module: string;
}

/** Reads of one kind of record: a missing document or DocType gives null, a refusal is noted and gives null. */
class Reader {
  readonly unreadable = new Map<string, readonly Right[]>();

  constructor(readonly port: ErpPort) {}

  async read<T>(doctype: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ErpNotFoundError) return null;
      if (error instanceof ErpPermissionError) {
        this.unreadable.set(doctype, WRITTEN_DOCTYPES[doctype] ?? []);
        return null;
      }
      throw error;
    }
  }
}

export async function readInstallSnapshot(port: ErpPort, definitions: AddonDefinitions, target: SnapshotTarget): Promise<ErpSnapshot> {
  const reader = new Reader(port);
  const user = await port.getLoggedUser();

  let userRoles: ErpSnapshot['userRoles'] = 'all';
  if (user !== 'Administrator') {
    try {
      const record = await port.getDoc('User', user, { schema: ErpUser });
      userRoles = new Set(record.roles.map((row) => row.role));
    } catch (error) {
      if (error instanceof ErpPermissionError) {
        throw new SnapshotError(
          `Permission missing: the API user ${user} may not read its own User record, so its roles cannot be checked; give it the System Manager role.`,
        );
      }
      throw error;
    }
  }

  // One read of each standard DocType tells whether the ERP has it and who may write it.
  const needed = standardDocTypesNeeded(definitions);
  const standardNames = [...new Set([...needed, ...Object.keys(WRITTEN_DOCTYPES)])];
  const standard = await Promise.all(standardNames.map((name) => reader.read('DocType', () => port.getDoc('DocType', name, { schema: ErpDocType }))));
  if (reader.unreadable.has('DocType')) {
    // Without DocType records nothing can be compared; say only that.
    return emptySnapshot(user, userRoles, reader.unreadable);
  }
  const standardDocTypes = new Map<string, boolean>();
  const permissions = new Map<string, PermissionRow[]>();
  const childTables = new Set<string>();
  for (const [index, name] of standardNames.entries()) {
    const doctype = standard[index];
    if (needed.includes(name)) standardDocTypes.set(name, doctype !== null && doctype !== undefined);
    if (!doctype) continue;
    if (flag(doctype.istable)) childTables.add(name);
    if (name in WRITTEN_DOCTYPES && userRoles !== 'all') permissions.set(name, await effectivePermissions(port, name, doctype));
  }

  const moduleDefs = new Map<string, { custom: boolean }>();
  if (target.module !== 'Custom') {
    const moduleDef = await reader.read('Module Def', () => port.getDoc('Module Def', target.module, { schema: ErpModuleDef }));
    if (moduleDef) moduleDefs.set(target.module, { custom: flag(moduleDef.custom) });
  }

  const roleNames = definitions.setup.roles.map((role) => role.role_name);
  const roles = await reader.read('Role', () =>
    port.list('Role', { filters: [['name', 'in', roleNames]], fields: ['name'], limitPageLength: roleNames.length + 1, schema: namedRowSchema }),
  );

  const doctypeReads = await Promise.all(
    definitions.doctypes.map((doctype) => reader.read('DocType', () => port.getDoc('DocType', doctype.name, { schema: ErpDocType }))),
  );
  const doctypes = new Map<string, ErpDocType>();
  for (const doctype of doctypeReads) if (doctype) doctypes.set(doctype.name, doctype);

  const fieldReads = await Promise.all(
    definitions.customFields.map((field) => reader.read('Custom Field', () => port.getDoc('Custom Field', field.name, { schema: ErpCustomField }))),
  );
  const customFields = new Map<string, ErpCustomField>();
  for (const field of fieldReads) if (field) customFields.set(field.name, field);

  // A unit DocType the ERP lacks (Frappe without ERPNext) reads as null; one it refuses is noted.
  const uomNames = definitions.setup.uoms.map((uom) => uom.uom_name);
  const uoms = standardDocTypes.get('UOM') === false ? null : await reader.read('UOM', () =>
    port.list('UOM', { filters: [['name', 'in', uomNames]], fields: ['name'], limitPageLength: uomNames.length + 1, schema: namedRowSchema }),
  );
  const categoryNames = [...new Set(definitions.setup.uom_conversion_factors.map((factor) => factor.category))];
  const categories = await reader.read('UOM Category', () =>
    port.list('UOM Category', { filters: [['name', 'in', categoryNames]], fields: ['name'], limitPageLength: categoryNames.length + 1, schema: namedRowSchema }),
  );
  const fromUoms = [...new Set(definitions.setup.uom_conversion_factors.map((factor) => factor.from_uom))];
  const factors = await reader.read('UOM Conversion Factor', () =>
    port.listAll('UOM Conversion Factor', {
      filters: [['from_uom', 'in', fromUoms]],
      fields: ['name', 'from_uom', 'to_uom', 'value'],
      schema: ErpUomConversionFactor,
    }),
  );

  const webhookNames =
    (await reader.read('Webhook', () =>
      port.listAll('Webhook', { filters: [['name', 'like', `${webhookNamePrefix(target.place)}%`]], fields: ['name'], schema: namedRowSchema }),
    )) ?? [];
  const webhookReads = await Promise.all(webhookNames.map((row) => reader.read('Webhook', () => port.getDoc('Webhook', row.name, { schema: ErpWebhook }))));
  const webhooks = new Map<string, ErpWebhook>();
  for (const webhook of webhookReads) if (webhook) webhooks.set(webhook.name, webhook);

  return {
    user,
    userRoles,
    permissions,
    unreadable: reader.unreadable,
    standardDocTypes,
    childTables,
    moduleDefs,
    existingRoles: new Set((roles ?? []).map((row) => row.name)),
    doctypes,
    customFields,
    uoms: uoms === null ? null : new Set(uoms.map((row) => row.name)),
    uomCategories: categories === null ? null : new Set(categories.map((row) => row.name)),
    uomConversionFactors: factors,
    webhooks,
  };
}

function emptySnapshot(user: string, userRoles: ErpSnapshot['userRoles'], unreadable: ReadonlyMap<string, readonly Right[]>): ErpSnapshot {
  return {
    user,
    userRoles,
    permissions: new Map(),
    unreadable,
    standardDocTypes: new Map(),
    childTables: new Set(),
    moduleDefs: new Map(),
    existingRoles: new Set(),
    doctypes: new Map(),
    customFields: new Map(),
    uoms: null,
    uomCategories: null,
    uomConversionFactors: null,
    webhooks: new Map(),
  };
}

/**
 * A site may have changed a DocType's permissions with the Role Permission Manager: Frappe then
 * keeps them as Custom DocPerm rows, which replace the DocType's own rows.
 */
async function effectivePermissions(port: ErpPort, doctype: string, record: ErpDocType): Promise<PermissionRow[]> {
  let custom: z.infer<typeof PermissionFlags>[] | null = null;
  try {
    custom = await port.list('Custom DocPerm', {
      filters: [['parent', '=', doctype]],
      fields: ['role', 'permlevel', 'read', 'create', 'write', 'delete'],
      limitPageLength: 200,
      schema: PermissionFlags,
    });
  } catch (error) {
    // Reading Custom DocPerm is itself a System Manager right; without it the DocType's rows are the best guess.
    if (!(error instanceof ErpNotFoundError || error instanceof ErpPermissionError)) throw error;
  }
  if (custom !== null && custom.length > 0) return permissionRows(custom);
  return permissionRows(record.permissions.map((row) => PermissionFlags.parse(row)));
}

export async function readUninstallSnapshot(port: ErpPort, definitions: AddonDefinitions, target: SnapshotTarget): Promise<UninstallSnapshot> {
  const snapshot = await readInstallSnapshot(port, definitions, target);
  const recordCounts = new Map<string, number>();
  const customFieldValueCounts = new Map<string, number>();
  if (snapshot.unreadable.size > 0) return { ...snapshot, recordCounts, customFieldValueCounts };
  for (const doctype of definitions.doctypes) {
    if (doctype.istable || doctype.issingle || !snapshot.doctypes.has(doctype.name)) continue;
    recordCounts.set(doctype.name, await port.count(doctype.name));
  }
  for (const field of definitions.customFields) {
    // Rows of a child table go with their parents' records, and a layout field holds no value.
    if (!snapshot.customFields.has(field.name) || LAYOUT_FIELDTYPES.has(field.fieldtype) || snapshot.childTables.has(field.dt)) continue;
    const count = await port.count(field.dt, {
      filters: [field.fieldtype === 'Check' ? [field.fieldname, '=', 1] : [field.fieldname, 'is', 'set']],
    });
    customFieldValueCounts.set(field.name, count);
  }
  return { ...snapshot, recordCounts, customFieldValueCounts };
}
