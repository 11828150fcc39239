import { z } from 'zod';

/**
 * The records the installer reads back from the ERP, as `GET /api/resource/<doctype>/<name>`
 * returns them: 0/1 flags as integers, null-valued fields left out, child rows with their `name`.
 * Only what the installer compares is typed; everything else passes through.
 */

/** A flag as Frappe sends it; some proxies and older sites send booleans or strings. */
const FlagValue = z.union([z.number(), z.boolean(), z.string()]).nullish();
const Text = z.string().nullish();

export const ErpDocField = z.looseObject({
  name: z.string().optional(),
  fieldname: z.string().min(1),
  fieldtype: z.string().min(1),
  idx: z.number().optional(),
});
export type ErpDocField = z.infer<typeof ErpDocField>;

export const ErpDocPerm = z.looseObject({
  name: z.string().optional(),
  role: z.string().min(1),
  permlevel: z.number().nullish(),
  if_owner: FlagValue,
});
export type ErpDocPerm = z.infer<typeof ErpDocPerm>;

export const ErpDocType = z.looseObject({
  name: z.string().min(1),
  module: Text,
  custom: FlagValue,
  istable: FlagValue,
  issingle: FlagValue,
  is_submittable: FlagValue,
  fields: z.array(ErpDocField).default([]),
  permissions: z.array(ErpDocPerm).default([]),
});
export type ErpDocType = z.infer<typeof ErpDocType>;

export const ErpCustomField = z.looseObject({
  name: z.string().min(1),
  dt: z.string().min(1),
  fieldname: z.string().min(1),
  fieldtype: z.string().min(1),
});
export type ErpCustomField = z.infer<typeof ErpCustomField>;

export const ErpWebhook = z.looseObject({
  name: z.string().min(1),
  webhook_doctype: z.string().min(1),
  webhook_docevent: Text,
  request_url: Text,
  webhook_data: z.array(z.looseObject({ fieldname: Text, key: Text })).default([]),
  webhook_headers: z.array(z.looseObject({ key: Text, value: Text })).default([]),
});
export type ErpWebhook = z.infer<typeof ErpWebhook>;

export const ErpUomConversionFactor = z.looseObject({
  name: z.string().min(1),
  from_uom: z.string(),
  to_uom: z.string(),
  value: z.union([z.number(), z.string()]),
});
export type ErpUomConversionFactor = z.infer<typeof ErpUomConversionFactor>;

export const ErpUser = z.looseObject({
  name: z.string().min(1),
  roles: z.array(z.looseObject({ role: z.string() })).default([]),
});
export type ErpUser = z.infer<typeof ErpUser>;

export const ErpModuleDef = z.looseObject({
  name: z.string().min(1),
  custom: FlagValue,
});
export type ErpModuleDef = z.infer<typeof ErpModuleDef>;
