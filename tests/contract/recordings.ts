// The recorded exchanges, read from the copy kept beside this suite and validated on load.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const RECORDINGS_DIR = join(__dirname, 'recordings');

const HeaderValue = z.union([z.string(), z.array(z.string())]);

export const RecordingSchema = z.object({
  title: z.string(),
  request: z.object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    path: z.string().startsWith('/'),
    query: z.record(z.string(), z.string()),
    headers: z.record(z.string(), z.string()),
    body: z.unknown().optional(),
    // Webhook deliveries: the exact bytes the site sent to the listener.
    raw_body: z.string().optional(),
  }),
  response: z.object({
    status: z.number().int(),
    headers: z.record(z.string(), HeaderValue),
    body: z.unknown(),
  }),
  notes: z.string().optional(),
});

export type Recording = z.infer<typeof RecordingSchema>;
export type RecordedRequest = Recording['request'];

/** Case names: the recording files without `.json`. */
export function recordingNames(): string[] {
  return readdirSync(RECORDINGS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const cache = new Map<string, Recording>();

export function loadRecording(name: string): Recording {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = join(RECORDINGS_DIR, `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Recording ${name}: cannot read ${file}: ${String(error)}`, { cause: error });
  }
  const parsed = RecordingSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Recording ${name} does not have the recording format: ${z.prettifyError(parsed.error)}`);
  cache.set(name, parsed.data);
  return parsed.data;
}
