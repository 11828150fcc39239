import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Doc } from './meta/meta';
import type { Site } from './site';

const FORMAT = 'creneau-frappe-emulator/1';

const snapshotSchema = z.object({
  format: z.literal(FORMAT),
  savedAt: z.string(),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  series: z.record(z.string(), z.number()),
  sessions: z.array(z.object({ sid: z.string(), user: z.string(), createdMs: z.number() })),
  defaults: z.record(z.string(), z.string()),
});

export type Snapshot = z.infer<typeof snapshotSchema>;

/** Standard DocTypes come from the recorded metadata at every start; only custom ones are saved. */
function persisted(doctype: string, doc: Doc): boolean {
  if (doctype === 'DocType') return Number(doc.custom) === 1;
  return true;
}

export function snapshot(site: Site): Snapshot {
  const tables: Record<string, Doc[]> = {};
  for (const doctype of site.tables.doctypes()) {
    const rows = [...site.tables.rows(doctype)].filter((d) => persisted(doctype, d));
    if (rows.length > 0) tables[doctype] = rows;
  }
  return {
    format: FORMAT,
    savedAt: site.clock.now(),
    tables,
    series: Object.fromEntries(site.tables.series),
    sessions: [...site.sessions.values()],
    defaults: { ...site.defaults },
  };
}

export function readSnapshot(file: string): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`Emulator data file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = snapshotSchema.safeParse(parsed);
  if (!result.success) throw new Error(`Emulator data file ${file} is not a ${FORMAT} snapshot: ${result.error.message}`);
  return result.data;
}

/** Replaces the site's data with a snapshot (custom DocTypes are registered again). */
export function restore(site: Site, data: Snapshot, registerDocType: (doc: Doc) => void): void {
  for (const doctype of site.tables.doctypes()) {
    if (doctype === 'DocType') continue;
    site.tables.dropTable(doctype);
  }
  for (const [doctype, rows] of Object.entries(data.tables)) {
    for (const row of rows) {
      site.tables.put(doctype, row);
      if (doctype === 'DocType') registerDocType(row);
    }
  }
  site.tables.series.clear();
  for (const [k, v] of Object.entries(data.series)) site.tables.series.set(k, v);
  site.sessions.clear();
  for (const s of data.sessions) site.sessions.set(s.sid, s);
  Object.assign(site.defaults, data.defaults);
}

/** Atomic write: a temporary file renamed over the target, so a crash never leaves half a file. */
export function writeSnapshot(file: string, data: Snapshot): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, file);
}

/** Saves the site some time after the last change, and once more when asked to stop. */
export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private savedVersion: number;

  constructor(
    private readonly site: Site,
    private readonly file: string,
    private readonly debounceMs = 250,
  ) {
    this.savedVersion = site.tables.version;
  }

  changed(): void {
    if (this.site.tables.version === this.savedVersion || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, this.debounceMs);
    this.timer.unref();
  }

  saveNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.site.tables.version === this.savedVersion) return;
    this.savedVersion = this.site.tables.version;
    writeSnapshot(this.file, snapshot(this.site));
  }
}
