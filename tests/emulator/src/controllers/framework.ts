import { FrappeError, frappeThrow } from '../errors';
import type { MethodRegistry } from '../http/methods';
import { type Doc } from '../meta/meta';
import type { DocOp } from '../model/engine';
import { isRecord, str, truthy } from '../model/values';
import { STANDARD_USERS, syncCustomFields, type Site } from '../site';
import { cint } from '../util/decimal';
import { randomHex } from '../util/random';
import { validateTemplate } from '../webhooks/jinja';
import { evalCondition, PyError } from '../webhooks/pyexpr';
import { conditionScope } from '../webhooks/context';

/** frappe.scrub */
export function scrub(text: string): string {
  return text.replace(/ /g, '_').replace(/-/g, '_').toLowerCase();
}

function bold(s: string): string {
  return `<strong>${s}</strong>`;
}

const RESERVED_FIELDNAMES = new Set(['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx', 'parent', 'parentfield', 'parenttype', 'doctype']);

export function registerFramework(site: Site, methods: MethodRegistry): void {
  const engine = site.engine;

  // -------------------------------------------------------------- User
  const passwords = new WeakMap<Doc, string>();
  site.registerController('User', {
    autoname: ({ doc }) => {
      if (truthy(doc.is_admin) || truthy(doc.is_guest)) {
        doc.name = doc.first_name;
        return;
      }
      const email = str(doc.email).trim().toLowerCase();
      doc.email = email;
      doc.name = email;
    },
    validate: ({ doc }) => {
      if (truthy(doc.new_password)) passwords.set(doc, str(doc.new_password));
      doc.new_password = '';
      const name = str(doc.name);
      if (!STANDARD_USERS.includes(name)) {
        doc.email = name;
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(name)) throw frappeThrow(`${name} is not a valid Email Address`, 'InvalidEmailAddressError', { title: 'Invalid Email Address' });
      }
      const rows = Array.isArray(doc.roles) ? (doc.roles as Doc[]) : [];
      const seen = new Set<string>();
      doc.roles = rows.filter((r) => {
        const role = str(r.role);
        if (!role || seen.has(role)) return false;
        seen.add(role);
        return true;
      });
      if (name === 'Administrator') doc.user_type = 'System User';
      else if (name === 'Guest') doc.user_type = 'Website User';
      else {
        const desk = (doc.roles as Doc[]).some((r) => cint(site.tables.get('Role', str(r.role))?.desk_access) === 1);
        doc.user_type = desk ? 'System User' : 'Website User';
      }
      doc.full_name = [str(doc.first_name), str(doc.last_name)].filter(Boolean).join(' ');
      if (!cint(doc.enabled) && STANDARD_USERS.includes(name)) throw frappeThrow(`User ${name} cannot be disabled`);
      if (!doc.time_zone) doc.time_zone = 'Europe/Paris';
    },
    onUpdate: ({ doc, ctx }) => {
      const password = passwords.get(doc);
      if (password) site.setSecret(ctx, 'User', str(doc.name), 'password', password);
      if (!cint(doc.enabled)) site.clearSessions(str(doc.name));
    },
    onTrash: ({ doc }) => {
      if (STANDARD_USERS.includes(str(doc.name))) throw frappeThrow(`User ${str(doc.name)} cannot be deleted`, 'PermissionError');
      site.clearSessions(str(doc.name));
    },
  });

  methods.register('frappe.core.doctype.user.user.generate_keys', {
    params: ['user'],
    required: ['user'],
    methods: ['POST'],
    fn: ({ ctx, args }) => {
      if (!ctx.isAdministrator && !ctx.roles.has('System Manager')) throw new FrappeError('PermissionError');
      const user = engine.getDoc('User', str(args.user));
      const apiSecret = randomHex(15);
      if (!user.api_key) user.api_key = randomHex(15);
      user.api_secret = apiSecret;
      engine.save(ctx, user);
      return { api_secret: apiSecret };
    },
  });

  // -------------------------------------------------------------- DocType
  site.registerController('DocType', {
    validate: ({ doc }) => {
      if (!cint(doc.custom)) {
        throw frappeThrow("Not in Developer Mode! Set in site_config.json or make 'Custom' DocType.", 'CannotCreateStandardDoctypeError', {
          module: 'frappe.core.doctype.doctype.doctype',
        });
      }
      const name = str(doc.name);
      if (name.length > 61) throw frappeThrow('Doctype name is limited to 61 characters ({0})'.replace('{0}', name));
      if (!/^(?![\W])[^\d_\s][\w -]+$/u.test(name)) {
        throw frappeThrow(`${name} not allowed in name: DocType's name should start with a letter and it can only consist of letters, numbers, spaces, underscores and hyphens`, 'InvalidDocTypeNameError');
      }
      const fields = Array.isArray(doc.fields) ? (doc.fields as Doc[]) : [];
      const seen = new Map<string, number>();
      fields.forEach((f, i) => {
        if (!f.fieldname && f.label) f.fieldname = scrub(str(f.label)).replace(/[^\w]/g, '');
        const fieldname = str(f.fieldname);
        const fieldtype = str(f.fieldtype) || 'Data';
        if (!fieldname && !['Section Break', 'Column Break', 'Tab Break'].includes(fieldtype)) {
          throw frappeThrow(`Fieldname is required in row ${i + 1}`);
        }
        if (RESERVED_FIELDNAMES.has(fieldname)) throw frappeThrow(`Fieldname ${bold(fieldname)} is a restricted name`, 'InvalidFieldNameError');
        if (fieldname) {
          const first = seen.get(fieldname);
          if (first !== undefined) throw frappeThrow(`Fieldname ${fieldname} appears multiple times in rows ${first}, ${i + 1}`, 'UniqueFieldnameError');
          seen.set(fieldname, i + 1);
        }
        if (['Link', 'Table', 'Table MultiSelect'].includes(fieldtype)) {
          const options = str(f.options).trim();
          if (!options) throw frappeThrow(`Options required for Link or Table type field ${fieldname} in row ${i + 1}`, 'DoctypeLinkError');
          if (options !== name && !engine.meta(options)) {
            throw frappeThrow(`Options must be a valid DocType for field ${f.label ? str(f.label) : fieldname} in row ${i + 1}`, 'DoctypeLinkError');
          }
        }
      });
      const autoname = str(doc.autoname);
      if (autoname.startsWith('field:')) {
        const fieldname = autoname.slice(6);
        if (!fields.some((f) => f.fieldname === fieldname)) throw frappeThrow(`Invalid fieldname '${fieldname}' in autoname`, 'InvalidFieldNameError');
      }
    },
    onUpdate: ({ doc, ctx }) => {
      const stored = engine.stored('DocType', str(doc.name));
      if (!stored) return;
      const previous = engine.meta(str(doc.name))?.doc;
      site.registry.put(stored);
      ctx.txn.onRollback(() => {
        if (previous) site.registry.put(previous);
        else site.registry.remove(str(doc.name));
      });
    },
    onTrash: ({ doc }) => {
      if (!cint(doc.custom)) throw frappeThrow('Cannot delete standard DocType in production', 'PermissionError');
    },
    afterDelete: ({ doc, ctx }) => {
      const name = str(doc.name);
      const meta = engine.meta(name);
      const rows = [...site.tables.rows(name)];
      for (const row of rows) ctx.txn.remove(name, str(row.name));
      for (const cf of [...site.tables.rows('Custom Field')]) if (cf.dt === name) ctx.txn.remove('Custom Field', str(cf.name));
      site.registry.remove(name);
      ctx.txn.onRollback(() => {
        if (meta) site.registry.put(meta.doc);
      });
    },
  });

  // -------------------------------------------------------------- Custom Field
  site.registerController('Custom Field', {
    autoname: ({ doc }) => {
      if (!doc.fieldname) {
        let label = str(doc.label);
        if (!label) {
          if (['Section Break', 'Column Break', 'Tab Break'].includes(str(doc.fieldtype))) label = `${str(doc.fieldtype)}_${randomHex(5)}`;
          else throw frappeThrow('Label is mandatory');
        }
        doc.fieldname = `custom_${scrub(label).replace(/[^\w]/g, '')}`;
      }
      doc.fieldname = str(doc.fieldname).toLowerCase();
      doc.name = `${str(doc.dt)}-${str(doc.fieldname)}`;
    },
    validate: (op: DocOp) => {
      const { doc } = op;
      const meta = engine.meta(str(doc.dt));
      if (!meta) return;
      const fieldnames = meta.fields.map((f) => f.fieldname);
      if (op.isNew && fieldnames.includes(str(doc.fieldname))) {
        throw frappeThrow(`A field with the name ${bold(str(doc.fieldname))} already exists in ${str(doc.dt)}`);
      }
      if (doc.insert_after && doc.insert_after === doc.fieldname) throw frappeThrow(`Insert After cannot be set as ${meta.label(str(doc.insert_after))}`);
      if (!cint(doc.idx) && doc.insert_after && fieldnames.includes(str(doc.insert_after))) {
        doc.idx = fieldnames.indexOf(str(doc.insert_after)) + 1;
      }
      if (['Link', 'Table', 'Table MultiSelect'].includes(str(doc.fieldtype)) && !str(doc.options).trim()) {
        throw frappeThrow(`Options required for Link or Table type field ${str(doc.fieldname)} in row ${cint(doc.idx)} in ${str(doc.dt)}`, 'DoctypeLinkError');
      }
    },
    onUpdate: ({ doc, ctx }) => {
      const dt = str(doc.dt);
      syncCustomFields(site, dt);
      ctx.txn.onRollback(() => syncCustomFields(site, dt));
    },
    afterDelete: ({ doc, ctx }) => {
      const dt = str(doc.dt);
      syncCustomFields(site, dt);
      ctx.txn.onRollback(() => syncCustomFields(site, dt));
    },
  });

  // -------------------------------------------------------------- Webhook
  site.registerController('Webhook', {
    validate: ({ doc }) => {
      const target = engine.meta(str(doc.webhook_doctype));
      if (target && !target.isSubmittable && ['on_submit', 'on_cancel', 'on_update_after_submit'].includes(str(doc.webhook_docevent))) {
        throw frappeThrow('DocType must be Submittable for the selected Doc Event');
      }
      const condition = str(doc.condition).trim();
      if (condition && target) {
        try {
          const ctx = site.newCtx('Administrator');
          evalCondition(condition, conditionScope(site, target, engine.newDoc(ctx, target.name)));
        } catch (err) {
          const reason = err instanceof PyError || err instanceof Error ? err.message : String(err);
          throw frappeThrow(`Invalid Condition: ${reason}`);
        }
      }
      let netloc: string;
      try {
        netloc = new URL(str(doc.request_url)).host;
      } catch {
        netloc = '';
      }
      if (!netloc) throw frappeThrow('Check Request URL');
      if (doc.request_structure === 'Form URL-Encoded') doc.webhook_json = null;
      else if (doc.request_structure === 'JSON') {
        try {
          validateTemplate(str(doc.webhook_json));
        } catch (err) {
          throw frappeThrow(`Syntax error in template: ${err instanceof Error ? err.message : String(err)}`);
        }
        doc.webhook_data = [];
      }
      const dataRows = Array.isArray(doc.webhook_data) ? (doc.webhook_data as unknown[]).filter(isRecord) : [];
      const fields = dataRows.map((r) => str(r.fieldname));
      if (new Set(fields).size !== fields.length) throw frappeThrow('Same Field is entered more than once');
      if (cint(doc.enable_security) && !str(doc.webhook_secret)) throw frappeThrow('Invalid Webhook Secret');
      doc.preview_document = null;
      doc.meets_condition = condition ? 'Select a document to check if it meets conditions.' : 'Yes';
      doc.preview_request_body = 'Select a document to preview request data';
    },
  });
}
