import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../scripts/src/lib/redis-server';
import { startEmulator, type EmulatorHandle } from '../emulator/src';
import { runScript } from '../support/processes';

const root = resolve(__dirname, '../..');

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs the sidecar as an operator would, in an empty folder, with only the given settings. */
async function runSidecar(env: Record<string, string>): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), 'creneau-badconfig-'));
  try {
    const sidecar = runScript(resolve(root, 'sidecar/src/main.ts'), {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, LOG_LEVEL: 'silent', PORT: '0', ...env },
    });
    const code = await sidecar.finished(30_000);
    return { code, stderr: sidecar.stderr() };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function expectOneClearLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  expect({ code: run.code, lines }).toEqual({ code: expect.any(Number) as number, lines: [expect.stringMatching(pattern) as string] });
  expect(run.code).not.toBe(0);
  expect(run.stderr).not.toMatch(/\n\s+at |Error: .*\n.*node:internal/);
}

let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe('the sidecar refuses bad configuration in one clear line', () => {
  it('no ERP configured at all', async () => {
    expectOneClearLine(await runSidecar({}), /^créneau: configuration: No ERP configured: set ERP_URL, ERP_API_KEY and ERP_API_SECRET/);
  });

  it('a missing ERP URL', async () => {
    expectOneClearLine(await runSidecar({ ERP_API_KEY: 'k', ERP_API_SECRET: 's' }), /^créneau: configuration: ERP_URL: required$/);
  });

  it('a wrong API key', async () => {
    const run = await runSidecar({ ERP_URL: emulator.url, ERP_API_KEY: emulator.admin.apiKey, ERP_API_SECRET: 'not-the-secret' });
    expectOneClearLine(run, /^créneau: Place "default": the ERP at http:\/\/127\.0\.0\.1:\d+ refused the API key and secret \(401\): check ERP_API_KEY and ERP_API_SECRET\.$/);
    expect(run.stderr).not.toContain('not-the-secret');
  });

  it('an unreachable ERP', async () => {
    const port = await freePort();
    expectOneClearLine(
      await runSidecar({ ERP_URL: `http://127.0.0.1:${String(port)}`, ERP_API_KEY: 'k', ERP_API_SECRET: 's' }),
      /^créneau: Place "default": the ERP at http:\/\/127\.0\.0\.1:\d+ does not answer \(.*ECONNREFUSED.*\): check ERP_URL and that the ERP is running\.$/,
    );
  });

  it('no Redis', async () => {
    const port = await freePort();
    const run = await runSidecar({ ERP_URL: emulator.url, ERP_API_KEY: emulator.admin.apiKey, ERP_API_SECRET: emulator.admin.apiSecret, REDIS_URL: `redis://127.0.0.1:${String(port)}` });
    expectOneClearLine(run, /^créneau: No Redis answers at redis:\/\/127\.0\.0\.1:\d+\/? \(connect ECONNREFUSED .*\): start Redis or set REDIS_URL\.$/);
  });

  it('several problems, one line each', async () => {
    const run = await runSidecar({ ERP_URL: 'ftp://erp', ERP_API_KEY: 'k', PORT: 'eighty' });
    const lines = run.stderr.trim().split('\n');
    expect(run.code).toBe(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^créneau: configuration: ERP_URL: an http:\/\/ or https:\/\/ URL/) as string,
        'créneau: configuration: ERP_API_SECRET: required',
        'créneau: configuration: PORT: "eighty" is not a TCP port number',
      ]),
    );
  });
});
