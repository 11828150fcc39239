import { withoutNulls } from '../model/values';
import type { Site } from '../site';
import { TABLE_FIELDTYPES, type Doc, type Meta } from './meta';

const EMPTY_CHILD_KEYS = { fields: [], permissions: [], actions: [], links: [], states: [] };

function asMetaRow(row: Doc): Doc {
  return { ...withoutNulls(row), ...EMPTY_CHILD_KEYS };
}

/**
 * GET /api/v2/doctype/<dt>/meta: the DocType document with its Custom Fields merged in, child
 * rows serialised the way frappe.get_meta's as_dict() does, and `is_large_table`.
 */
export function docTypeMetaForApi(site: Site, meta: Meta): Doc {
  const doc = withoutNulls(meta.doc);
  const { fields: _f, permissions: _p, actions, links, states, ...rest } = doc;
  const out: Doc = { doctype: 'DocType', ...rest };
  out.fields = meta.fields.map((f) => asMetaRow(f as Doc));
  out.permissions = meta.permissions.map((p) => asMetaRow(p as Doc));
  const tableFields = meta.fields.filter((f) => TABLE_FIELDTYPES.has(f.fieldtype));
  if (tableFields.length > 0) out._table_fields = tableFields.map((f) => asMetaRow(f as Doc));
  out.is_large_table = site.tables.count(meta.name) > 100_000;
  out.actions = Array.isArray(actions) ? actions : [];
  out.links = Array.isArray(links) ? links : [];
  out.states = Array.isArray(states) ? states : [];
  return out;
}
