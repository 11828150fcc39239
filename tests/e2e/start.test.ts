import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../scripts/src/lib/redis-server';
import { eventually } from '../support/eventually';

const root = resolve(__dirname, '../..');

/** Processes still alive in a process group (the demo and everything it started share it). */
function groupMembers(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => Number(cols[1]) === pgid)
    .map((cols) => cols.slice(2).join(' '));
}

describe('npm start (the demo)', () => {
  it('starts Redis, the seeded ERP emulator and the sidecar, answers /health, and Ctrl-C leaves nothing behind', async () => {
    const state = mkdtempSync(join(tmpdir(), 'creneau-start-'));
    const port = await freePort();
    const erpPort = await freePort();
    const deadRedis = await freePort();
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    const child = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: { ...process.env, PORT: String(port), ERP_EMULATOR_PORT: String(erpPort), REDIS_URL: `redis://127.0.0.1:${String(deadRedis)}`, CRENEAU_STATE_DIR: state, ERP_URL: '', CRENEAU_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const pgid = child.pid ?? 0;
    try {
      const health = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${String(port)}/health`);
          return res.status === 200 ? ((await res.json()) as { status: string; redis: { ok: boolean }; places: { erp: { ok: boolean } }[] }) : undefined;
        },
        'a healthy answer from the demo',
        60_000,
        250,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; the demo printed:\n${output}`);
      });
      expect(health).toMatchObject({ status: 'ok', redis: { ok: true } });
      expect(health.places[0]?.erp.ok).toBe(true);
      expect(output).toContain('started a private redis-server');
      expect(output).toContain(`http://127.0.0.1:${String(port)}`);
      expect(groupMembers(pgid).some((args) => args.includes('redis-server'))).toBe(true);

      process.kill(-pgid, 'SIGINT');
      const gone = await eventually(() => (groupMembers(pgid).length === 0 ? true : undefined), 'every process of the demo to end', 15_000, 250).catch(() => false);
      expect({ gone, left: groupMembers(pgid) }).toEqual({ gone: true, left: [] });
    } finally {
      if (groupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);
});
