import { FrappeError } from '../errors';
import { PERM_RIGHTS, type Doc, type DocPerm, type Meta, type PermRight } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { pyText, str } from '../model/values';
import { cint } from '../util/decimal';

function bold(s: string): string {
  return `<strong>${s}</strong>`;
}

interface RolePerms {
  rights: Partial<Record<PermRight, boolean>>;
  /** Rights granted only by if_owner rows: effective on documents the user owns. */
  ownerOnly: Partial<Record<PermRight, boolean>>;
}

/** frappe.permissions.get_role_permissions, permlevel 0. */
export function rolePermissions(meta: Meta, roles: ReadonlySet<string>): RolePerms {
  const applicable = meta.permissions.filter((p: DocPerm) => roles.has(p.role) && cint(p.permlevel) === 0);
  const rights: RolePerms['rights'] = {};
  const ownerOnly: RolePerms['ownerOnly'] = {};
  for (const right of PERM_RIGHTS) {
    const granted = applicable.some((p) => cint(p[right]) === 1);
    const withoutOwner = applicable.some((p) => cint(p[right]) === 1 && !cint(p.if_owner));
    if (granted && !withoutOwner && right !== 'create') ownerOnly[right] = true;
    else rights[right] = granted;
  }
  if (rights.read) rights.select = true;
  return { rights, ownerOnly };
}

/**
 * frappe.permissions.has_permission: pushes the explanation Frappe prints when access is denied
 * into the message log, and returns whether the user may `ptype` the DocType (or the document).
 */
export function hasPermission(
  ctx: Ctx,
  meta: Meta,
  ptype: PermRight,
  options: { doc?: Doc; parentMeta?: Meta; log?: boolean } = {},
): boolean {
  if (ctx.isAdministrator || ctx.ignorePermissionsDepth > 0) return true;
  const log = options.log ?? true;
  if (meta.istable) {
    // Child tables carry no permissions of their own: the parent's decide.
    if (!options.parentMeta) return false;
    return hasPermission(ctx, options.parentMeta, ptype === 'create' || ptype === 'delete' ? 'write' : ptype, { log });
  }
  if (ptype === 'submit' && !meta.isSubmittable) {
    if (log && !options.doc) ctx.msgprint('Document Type is not submittable');
    if (!options.doc) return false;
  }
  const { rights, ownerOnly } = rolePermissions(meta, ctx.roles);
  if (options.doc) {
    const isOwner = str(options.doc.owner).toLowerCase() === ctx.user.toLowerCase();
    let allowed = rights[ptype] === true || (ownerOnly[ptype] === true && (isOwner || options.doc.owner == null));
    if (ptype === 'submit' && !meta.isSubmittable) allowed = false;
    if (!allowed && log) {
      let msg = `User ${bold(ctx.user)} does not have access to this document`;
      if (rights.read === true || ownerOnly.read === true) msg += `: ${meta.name} - ${pyText(options.doc.name)}`;
      ctx.msgprint(msg);
    }
    return allowed;
  }
  const allowed = rights[ptype] === true || ((ptype === 'read' || ptype === 'select') && ownerOnly[ptype] === true);
  if (!allowed && log) {
    ctx.msgprint(`User ${bold(ctx.user)} does not have doctype access via role permission for document ${bold(meta.name)}`);
  }
  return allowed;
}

/** frappe.has_permission(doctype, ptype, throw=True): 403 with `_error_message`. */
export function requirePermission(ctx: Ctx, meta: Meta, ptype: PermRight, parentMeta?: Meta): void {
  if (hasPermission(ctx, meta, ptype, { parentMeta })) return;
  throw new FrappeError('PermissionError', { errorMessage: `No permission for ${meta.name}` });
}

/** Document.check_permission → raise_no_permission_to. */
export function requireDocPermission(ctx: Ctx, meta: Meta, doc: Doc, ptype: PermRight, parentMeta?: Meta): void {
  if (hasPermission(ctx, meta, ptype, { doc, parentMeta })) return;
  throw new FrappeError('PermissionError', {
    errorMessage: `Insufficient Permission for ${meta.name} (${bold(ptype)})`,
  });
}

/** Whether the user may read `meta` at all (used to hide rows in lists of other people's docs). */
export function ownerConstraint(ctx: Ctx, meta: Meta): boolean {
  if (ctx.isAdministrator || ctx.ignorePermissionsDepth > 0 || meta.istable) return false;
  const { rights, ownerOnly } = rolePermissions(meta, ctx.roles);
  return rights.read !== true && ownerOnly.read === true;
}
