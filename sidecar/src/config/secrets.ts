import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * Secrets the sidecar generates itself (the webhook secret shared with the ERP by the installer) live in a file of
 * their own, mode 0600, apart from the hand-written configuration, keyed by place id.
 */
export const SecretsFile = z.record(z.string(), z.object({ webhookSecret: z.string().min(16).optional() }).loose());
export type SecretsFile = z.infer<typeof SecretsFile>;

export const DEFAULT_SECRETS_FILE = '.creneau/secrets.json';

export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
}

export function readSecrets(path: string): SecretsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SecretsFileError(`${path}: cannot be read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretsFileError(`${path}: not valid JSON`);
  }
  const parsed = SecretsFile.safeParse(raw);
  if (!parsed.success) throw new SecretsFileError(`${path}: expected { "<place id>": { "webhookSecret": "..." } }`);
  return parsed.data;
}

/** Writes through a temporary file and a rename, so that a crash never leaves half a secrets file. */
export function writeSecrets(path: string, secrets: SecretsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${String(process.pid)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function setPlaceSecret(path: string, placeId: string, patch: { webhookSecret: string }): void {
  const secrets = readSecrets(path);
  secrets[placeId] = { ...secrets[placeId], ...patch };
  writeSecrets(path, secrets);
}
