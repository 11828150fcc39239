import type { ServerMessage } from '../errors';
import { excId } from '../errors';
import type { Txn } from './store';

export interface MsgprintOptions {
  title?: string;
  indicator?: string;
  raiseException?: boolean;
}

/**
 * The request's view of the site: who is acting, the message log that becomes
 * `_server_messages`, and the transaction every write joins.
 */
export class Ctx {
  readonly messages: ServerMessage[] = [];
  /** frappe.flags.ignore_permissions for nested writes a controller makes on the user's behalf. */
  ignorePermissionsDepth = 0;

  constructor(
    readonly user: string,
    readonly roles: ReadonlySet<string>,
    readonly txn: Txn,
    /** Scheme and host of the request ("http://127.0.0.1:8000"), for links inside messages. */
    readonly baseUrl: string,
  ) {}

  get isAdministrator(): boolean {
    return this.user === 'Administrator';
  }

  msgprint(message: string, options: MsgprintOptions = {}): ServerMessage {
    const entry: ServerMessage = { message, title: options.title ?? 'Message' };
    if (options.indicator) entry.indicator = options.indicator;
    if (options.raiseException) {
      entry.indicator ??= 'red';
      entry.raise_exception = 1;
      entry.__frappe_exc_id = excId();
    }
    this.messages.push(entry);
    return entry;
  }

  /** Runs `fn` as Frappe code that passes ignore_permissions=True. */
  asSystem<T>(fn: () => T): T {
    this.ignorePermissionsDepth++;
    try {
      return fn();
    } finally {
      this.ignorePermissionsDepth--;
    }
  }
}
