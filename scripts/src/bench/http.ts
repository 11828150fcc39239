import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DateTime } from 'luxon';
import { adminAccess, startDemoErp, type DemoErp } from '../../../tests/support/erp';
import { dropPlaceKeys, REDIS_URL } from '../../../tests/support/redis';
import { DEMO_PASSWORD } from '../seed/demo-data';
import { defineBenchmark, percentile, type Benchmark, type Figures } from './harness';

/**
 * The booking API as members use it: HTTP clients, the sidecar in its own process (started by `startSidecar`), the
 * ERP emulator with a real ERPNext v15's latencies. The sidecar's own time per request comes from its access log.
 */

const MEMBERS = 500;
const BOOKINGS_ROUTE = 'POST /api/places/:place/bookings';

interface Member {
  cookie: string;
  csrf: string;
}

interface Place {
  demo: DemoErp;
  placeId: string;
  child: ChildProcess;
  url: string;
  members: Member[];
  /** The sidecar's time (ms) per booking request, from its access log, since the last reset. */
  serverMs: number[];
  clientMs: number[];
  accepted: number;
  refused: number;
  decisionsPerSecond: number[];
  day: number;
  resourceId: string;
  /** The emulator's call counters once every member is signed in. */
  countersAtStart: Record<string, number>;
}

async function inBatches<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index] as T, index);
      }
    }),
  );
}

async function openPlace(resource: { name: string; capacity: number; walkIn: number }): Promise<Place> {
  const placeId = `bench-${randomBytes(4).toString('hex')}`;
  const demo = await startDemoErp(placeId, 'http://127.0.0.1:9', { addonDocTypeDirs: [], latency: null });
  const { emulator, erp } = demo;
  await erp.insert('Creneau Resource', {
    resource_name: resource.name,
    item: 'COWORKING',
    kind: 'Seat Pool',
    enabled: 1,
    capacity: resource.capacity,
    walk_in_margin: resource.walkIn,
    walk_in_margin_unit: 'Seats',
    slot_minutes: 60,
    time_zone: 'Europe/Paris',
    pricing_mode: 'Threshold',
    opening_hours: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map((weekday) => ({ weekday, from_time: '08:00:00', to_time: '20:00:00' })),
  });
  const emails = Array.from({ length: MEMBERS }, (_, i) => `bench${String(i)}@${placeId}.test`);
  for (let i = 0; i < emails.length; i += 200) {
    const chunk = emails.slice(i, i + 200);
    await erp.insertMany('User', chunk.map((email) => ({ email, first_name: email.split('@')[0], user_type: 'Website User', send_welcome_email: 0, new_password: DEMO_PASSWORD, roles: [{ role: 'Customer' }] })));
    await erp.insertMany('Customer', chunk.map((email) => ({ customer_name: email, customer_type: 'Individual', customer_group: 'Individual', territory: 'France', portal_users: [{ user: email }] })));
  }
  // Real ERPNext latencies from here on: what the members' path pays for every ERP call it makes.
  emulator.latency.set('erpnext-v15');

  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'support/sidecar-process.ts')], {
    env: { ...process.env, CRENEAU_BENCH: JSON.stringify({ placeId, redisUrl: REDIS_URL, erp: adminAccess(emulator) }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const serverMs: number[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const ready = /^ready (http:\/\/\S+)/.exec(line);
      if (ready?.[1]) resolveUrl(ready[1]);
      if (!line.startsWith('{')) return;
      const record = JSON.parse(line) as { msg?: string; method?: string; route?: string; ms?: number };
      if (record.msg === 'http' && `${record.method ?? ''} ${record.route ?? ''}` === BOOKINGS_ROUTE && typeof record.ms === 'number') serverMs.push(record.ms);
    });
    child.once('exit', (code) => reject(new Error(`the sidecar exited (${String(code)})`)));
  });

  const members: Member[] = [];
  await inBatches(emails, 25, async (email) => {
    const res = await fetch(`${url}/api/places/${placeId}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ usr: email, pwd: DEMO_PASSWORD }) });
    const body = (await res.json()) as { csrfToken?: string };
    const cookie = res.headers.getSetCookie()[0]?.split(';')[0];
    if (res.status !== 200 || !cookie || !body.csrfToken) throw new Error(`sign-in of ${email} answered ${String(res.status)}`);
    members.push({ cookie, csrf: body.csrfToken });
  });
  return { demo, placeId, child, url, members, serverMs, clientMs: [], accepted: 0, refused: 0, decisionsPerSecond: [], day: 0, resourceId: resource.name, countersAtStart: emulator.counters.snapshot() };
}

/** 500 members ask for the same day at once; every round books a new day. */
async function burst(place: Place): Promise<void> {
  place.day += 1;
  const day = DateTime.now().setZone('Europe/Paris').plus({ days: 1 + place.day }).toISODate() ?? '';
  const body = JSON.stringify({ resourceId: place.resourceId, start: `${day}T09:00:00+01:00`, end: `${day}T17:00:00+01:00`, paymentMode: 'on_site' });
  const started = performance.now();
  await Promise.all(
    place.members.map(async (member) => {
      const t0 = performance.now();
      const res = await fetch(`${place.url}/api/places/${place.placeId}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: member.cookie, 'x-csrf-token': member.csrf },
        body,
      });
      await res.arrayBuffer();
      place.clientMs.push(performance.now() - t0);
      if (res.status === 201) place.accepted += 1;
      else if (res.status === 422) place.refused += 1;
      else throw new Error(`a booking answered ${String(res.status)}`);
    }),
  );
  place.decisionsPerSecond.push((place.members.length * 1000) / (performance.now() - started));
}

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/**
 * ERP calls made since the members signed in, split between the queued writes of the bookings (the ERP is the system of
 * record: a lookup by external id and an insert, after the member's answer) and everything else — the member's path.
 */
function erpCalls(place: Place): { syncPath: number; writes: number } {
  let syncPath = 0;
  let writes = 0;
  for (const [key, count] of Object.entries(place.demo.emulator.counters.snapshot())) {
    const delta = count - (place.countersAtStart[key] ?? 0);
    if (key.includes('Creneau Booking')) writes += delta;
    else syncPath += delta;
  }
  return { syncPath, writes };
}

function figures(place: Place): Figures {
  const server = [...place.serverMs].sort((a, b) => a - b);
  const client = [...place.clientMs].sort((a, b) => a - b);
  const bookings = place.accepted + place.refused;
  const dps = [...place.decisionsPerSecond].sort((a, b) => a - b);
  const calls = erpCalls(place);
  return {
    'decisions/s': Math.round(percentile(dps, 50)),
    'sidecar ms p50': percentile(server, 50),
    'sidecar ms p99': percentile(server, 99),
    'client ms p50': Math.round(percentile(client, 50)),
    'client ms p99': Math.round(percentile(client, 99)),
    accepted: place.accepted,
    refused: place.refused,
    'ERP calls per booking on the member\u2019s path': Math.round((calls.syncPath / Math.max(1, bookings)) * 1000) / 1000,
    'ERP writes done during the run, per accepted booking (written behind)': Math.round((calls.writes / Math.max(1, place.accepted)) * 100) / 100,
    'sidecar rss MB': rssMb(place.child.pid),
  };
}

async function closePlace(place: Place): Promise<void> {
  const exited = new Promise((r) => place.child.once('exit', r));
  place.child.kill('SIGTERM');
  await exited;
  await dropPlaceKeys(place.placeId);
  await place.demo.close();
}

export const benchmarks: Benchmark[] = [
  defineBenchmark({
    name: 'http: 500 members book a 20-seat day at once (5 seats kept for walk-ins), sidecar in its own process',
    setup: () => openPlace({ name: 'Bench coworking', capacity: 20, walkIn: 5 }),
    run: burst,
    figures,
    teardown: closePlace,
    iterations: 10,
    warmup: 2,
  }),
  defineBenchmark({
    name: 'http: 10,000 bookings accepted (20 rounds of 500 members), then the sidecar\u2019s memory',
    setup: () => openPlace({ name: 'Bench hall', capacity: 100_000, walkIn: 0 }),
    run: burst,
    figures,
    teardown: closePlace,
    iterations: 20,
    warmup: 0,
  }),
];
