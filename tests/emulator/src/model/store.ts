import type { Doc } from '../meta/meta';

/**
 * The site's tables. Documents are stored whole (children inside their parent, as Frappe returns
 * them) and treated as immutable: a write replaces the stored object, so a reader that holds the
 * previous one never sees a half-written document. Names are looked up case-insensitively, like
 * MariaDB's utf8mb4_unicode_ci primary keys.
 */
export class Tables {
  private readonly tables = new Map<string, Map<string, Doc>>();
  /** tabSeries: naming series prefix → last number used. */
  readonly series = new Map<string, number>();
  /** Bumped on every committed change (persistence watches it). */
  version = 0;

  private table(doctype: string): Map<string, Doc> {
    let t = this.tables.get(doctype);
    if (!t) {
      t = new Map();
      this.tables.set(doctype, t);
    }
    return t;
  }

  get(doctype: string, name: string): Doc | undefined {
    return this.tables.get(doctype)?.get(name.toLowerCase());
  }

  has(doctype: string, name: string): boolean {
    return this.get(doctype, name) !== undefined;
  }

  /** Rows in insertion (creation) order. */
  rows(doctype: string): IterableIterator<Doc> {
    return (this.tables.get(doctype) ?? new Map<string, Doc>()).values();
  }

  count(doctype: string): number {
    return this.tables.get(doctype)?.size ?? 0;
  }

  doctypes(): string[] {
    return [...this.tables.keys()];
  }

  /** Inserts or replaces; a replaced row keeps its position. */
  put(doctype: string, doc: Doc): Doc | undefined {
    const key = String(doc.name).toLowerCase();
    const t = this.table(doctype);
    const previous = t.get(key);
    t.set(key, doc);
    return previous;
  }

  remove(doctype: string, name: string): Doc | undefined {
    const t = this.tables.get(doctype);
    if (!t) return undefined;
    const key = name.toLowerCase();
    const previous = t.get(key);
    t.delete(key);
    return previous;
  }

  dropTable(doctype: string): void {
    this.tables.delete(doctype);
  }

  /** Restores a row at the end of the table (rollback of a delete loses the original position only). */
  restore(doctype: string, doc: Doc): void {
    this.table(doctype).set(String(doc.name).toLowerCase(), doc);
  }
}

type Undo = () => void;

/**
 * One database transaction: every write goes through it and can be undone, so that a request
 * failing half-way leaves no trace (Frappe rolls back on any exception).
 */
export class Txn {
  private readonly undo: Undo[] = [];
  private readonly afterCommit: (() => void)[] = [];
  private done = false;

  constructor(readonly tables: Tables) {}

  put(doctype: string, doc: Doc): void {
    const previous = this.tables.put(doctype, doc);
    this.undo.push(() => {
      if (previous) this.tables.put(doctype, previous);
      else this.tables.remove(doctype, String(doc.name));
    });
  }

  remove(doctype: string, name: string): void {
    const previous = this.tables.remove(doctype, name);
    if (previous) this.undo.push(() => this.tables.restore(doctype, previous));
  }

  /** Next number of a naming series (tabSeries), undone with the transaction. */
  nextSeries(key: string): number {
    const previous = this.tables.series.get(key);
    const next = (previous ?? 0) + 1;
    this.tables.series.set(key, next);
    this.undo.push(() => {
      if (previous === undefined) this.tables.series.delete(key);
      else this.tables.series.set(key, previous);
    });
    return next;
  }

  /** A change outside the tables (meta registry, sessions) that must follow the transaction. */
  onRollback(fn: Undo): void {
    this.undo.push(fn);
  }

  onCommit(fn: () => void): void {
    this.afterCommit.push(fn);
  }

  commit(): void {
    if (this.done) return;
    this.done = true;
    if (this.undo.length > 0) this.tables.version++;
    for (const fn of this.afterCommit) fn();
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]?.();
  }
}
