import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The recorded exchanges with a real Frappe v15 + ERPNext site (see recordings/README.md). */
export const RECORDINGS_DIR = join(__dirname, '..', '..', '..', 'contract', 'recordings');

const recordingSchema = z.looseObject({
  title: z.string(),
  request: z.looseObject({
    method: z.string(),
    path: z.string(),
    query: z.record(z.string(), z.unknown()).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown(),
    raw_body: z.string().optional(),
  }),
  response: z.looseObject({
    status: z.number().int(),
    headers: z.looseObject({
      'content-type': z.string().optional(),
      'set-cookie': z.array(z.string()).optional(),
    }),
    body: z.unknown(),
  }),
  notes: z.string().optional(),
});

export type Recording = z.infer<typeof recordingSchema> & { file: string };

export function loadRecording(name: string): Recording {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  const parsed = recordingSchema.parse(JSON.parse(readFileSync(join(RECORDINGS_DIR, file), 'utf8')));
  return { ...parsed, file };
}

export function loadAllRecordings(): Recording[] {
  return readdirSync(RECORDINGS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadRecording(f));
}
