import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { bookingSchema } from '../../../sidecar/src/http/schemas';
import { ApiClient, signedIn, type ApiResponse } from '../../support/api-client';
import { startHarness, type Harness } from './support/harness';

/**
 * Bad requests of every kind against a real server: each must get a 4xx whose body says, in words, what is wrong
 * (never a 5xx, never an empty answer).
 */

let h: Harness;
let alice: ApiClient;
let bob: ApiClient;
let expired: ApiClient;
let alicesBooking: string;

const good = { resourceId: 'salle-a', start: '2026-12-03T10:00:00+01:00', end: '2026-12-03T11:00:00+01:00' };

beforeAll(async () => {
  h = await startHarness();
  alice = await signedIn(h.url, h.placeId, h.members.alice);
  bob = await signedIn(h.url, h.placeId, h.members.bob);
  expired = await signedIn(h.url, h.placeId, h.members.bob);
  const token = expired.cookie?.split('=')[1] ?? '';
  await h.redis.del(`creneau:${h.placeId}:session:${createHash('sha256').update(token).digest('hex')}`);
  const created = await alice.post('/bookings', good);
  alicesBooking = bookingSchema.parse(created.body).id;
});

afterAll(async () => {
  await h.close();
});

/** A request written byte by byte, for what fetch will not send. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<ApiResponse> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          parsed = undefined;
        }
        const headersOut = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headersOut.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: headersOut, body: parsed, text, setCookies: [] });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const authed = (client: ApiClient): Record<string, string> => ({ cookie: client.cookie ?? '', 'x-csrf-token': client.csrf ?? '' });

type Case = [label: string, status: number, code: string | RegExp, send: () => Promise<ApiResponse>];

const CASES: Case[] = [
  ['malformed JSON', 400, 'MALFORMED_JSON', () => alice.post('/bookings', undefined, { raw: '{"resourceId": "salle-a",', headers: { 'content-type': 'application/json' } })],
  ['a JSON string instead of an object', 400, 'MALFORMED_JSON', () => alice.post('/bookings', undefined, { raw: '"salle-a"', headers: { 'content-type': 'application/json' } })],
  ['a JSON array instead of an object', 400, 'INVALID_REQUEST', () => alice.post('/bookings', [good])],
  ['bytes that are not UTF-8', 400, 'MALFORMED_JSON', () => alice.post('/bookings', undefined, { raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } })],
  ['a gzip body that is not gzip', 400, 'UNREADABLE_BODY', () => rawRequest('POST', `/api/places/${h.placeId}/bookings`, { ...authed(alice), 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'))],
  ['an unsupported body encoding', 415, 'UNSUPPORTED_ENCODING', () => rawRequest('POST', `/api/places/${h.placeId}/bookings`, { ...authed(alice), 'content-type': 'application/json', 'content-encoding': 'br-x' }, gzipSync(JSON.stringify(good)))],
  ['seats as text', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, seats: 'two' })],
  ['seats as a fraction', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, seats: 1.5 })],
  ['seats negative', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, seats: -3 })],
  ['seats absurdly many', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, seats: 1e12 })],
  ['start as a number', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, start: 1_764_000_000_000 })],
  ['a date-time without offset', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, start: '2026-12-03T10:00:00' })],
  ['an impossible date', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, start: '2026-02-30T10:00:00Z' })],
  ['end before start', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, end: '2026-12-03T09:00:00+01:00' })],
  ['end equal to start', 400, 'INVALID_REQUEST', () => alice.post('/quotes', { ...good, end: good.start })],
  ['a booking of 200 days', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, end: '2027-06-21T10:00:00+01:00' })],
  ['availability over ten years', 400, 'INVALID_REQUEST', () => alice.get('/availability?from=2026-12-01T00:00:00Z&to=2036-12-01T00:00:00Z')],
  ['availability without its range', 400, 'INVALID_REQUEST', () => alice.get('/availability?resource=salle-a')],
  ['availability with seats=abc', 400, 'INVALID_REQUEST', () => alice.get('/availability?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&seats=abc')],
  ['an unknown query parameter', 400, 'INVALID_REQUEST', () => alice.get('/availability?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&form=x')],
  ['an unknown body field', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, customer: 'Bob SAS' })],
  ['a __proto__ key', 400, 'INVALID_REQUEST', () => alice.post('/bookings', undefined, { raw: `{"__proto__": {"admin": true}, ${JSON.stringify(good).slice(1)}`, headers: { 'content-type': 'application/json' } })],
  ['a missing body', 400, 'INVALID_REQUEST', () => alice.post('/bookings')],
  ['a note of 100 kB', 413, 'BODY_TOO_LARGE', () => alice.post('/bookings', { ...good, note: 'x'.repeat(100_000) })],
  ['a note over its limit', 400, 'INVALID_REQUEST', () => alice.post('/bookings', { ...good, note: 'x'.repeat(5_000) })],
  ['a 1 MB body', 413, 'BODY_TOO_LARGE', () => alice.post('/bookings', { ...good, padding: 'x'.repeat(1024 * 1024) })],
  ['a 1 MB body with no length announced', 413, 'BODY_TOO_LARGE', () => rawRequest('POST', `/api/places/${h.placeId}/bookings`, { ...authed(alice), 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, Buffer.from(JSON.stringify({ ...good, padding: 'x'.repeat(1024 * 1024) })))],
  ['a form-encoded body', 415, 'UNSUPPORTED_MEDIA_TYPE', () => alice.post('/bookings', undefined, { raw: 'resourceId=salle-a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
  ['a text/plain body', 415, 'UNSUPPORTED_MEDIA_TYPE', () => alice.post('/bookings', undefined, { raw: JSON.stringify(good), headers: { 'content-type': 'text/plain' } })],
  ['a body without content type', 415, 'UNSUPPORTED_MEDIA_TYPE', () => rawRequest('POST', `/api/places/${h.placeId}/bookings`, authed(alice), Buffer.from(JSON.stringify(good)))],
  ['a latin-1 JSON body', 415, 'UNSUPPORTED_CHARSET', () => alice.post('/bookings', undefined, { raw: JSON.stringify(good), headers: { 'content-type': 'application/json; charset=latin1' } })],
  ['dates in the past', 422, 'IN_THE_PAST', () => alice.post('/bookings', { ...good, start: '2025-01-06T10:00:00+01:00', end: '2025-01-06T11:00:00+01:00' })],
  ['outside opening hours', 422, 'OUTSIDE_OPENING_HOURS', () => alice.post('/bookings', { ...good, start: '2026-12-03T21:00:00+01:00', end: '2026-12-03T22:00:00+01:00' })],
  ['an unknown resource', 404, 'RESOURCE_NOT_FOUND', () => alice.post('/quotes', { ...good, resourceId: 'salle-z' })],
  ['an unknown place', 404, 'PLACE_NOT_FOUND', () => alice.get('/api/places/nowhere/resources')],
  ['an unknown endpoint', 404, 'NOT_FOUND', () => alice.get('/no-such-thing')],
  ['a booking id with path characters', 400, 'INVALID_REQUEST', () => alice.get('/bookings/..%2F..%2Fetc')],
  ['a booking id of 300 characters', 400, 'INVALID_REQUEST', () => alice.get(`/bookings/${'a'.repeat(300)}`)],
  ['another member’s booking', 404, 'BOOKING_NOT_FOUND', () => bob.get(`/bookings/${alicesBooking}`)],
  ['cancelling another member’s booking', 404, 'BOOKING_NOT_FOUND', () => bob.post(`/bookings/${alicesBooking}/cancel`, { expectedFee: 0 })],
  ['a guessed booking id', 404, 'BOOKING_NOT_FOUND', () => bob.get('/bookings/bkg_00000000000a')],
  ['a guessed ERP name', 404, 'BOOKING_NOT_FOUND', () => bob.get('/bookings/CRN-BKG-2026-00001')],
  ['a cancellation without the fee seen', 400, 'INVALID_REQUEST', () => alice.post(`/bookings/${alicesBooking}/cancel`, {})],
  ['a negative expected fee', 400, 'INVALID_REQUEST', () => alice.post(`/bookings/${alicesBooking}/cancel`, { expectedFee: -1 })],
  ['an idempotency key with spaces', 400, 'INVALID_REQUEST', () => alice.post('/bookings', good, { headers: { 'idempotency-key': 'a key' } })],
  ['an idempotency key of 200 characters', 400, 'INVALID_REQUEST', () => alice.post('/bookings', good, { headers: { 'idempotency-key': 'k'.repeat(200) } })],
  ['no CSRF token', 403, 'CSRF_TOKEN_MISSING', () => alice.post('/bookings', good, { csrf: false })],
  ['a forged CSRF token', 403, 'CSRF_TOKEN_INVALID', () => alice.post('/bookings', good, { headers: { 'x-csrf-token': 'forged' } })],
  ['a foreign Origin', 403, 'FOREIGN_ORIGIN', () => alice.post('/bookings', good, { headers: { origin: 'https://attacker.example' } })],
  ['no session', 401, 'NOT_SIGNED_IN', () => new ApiClient(h.url, h.placeId).get('/bookings')],
  ['an expired session', 401, 'SESSION_EXPIRED', () => expired.get('/bookings')],
  ['a cookie that is not a token', 401, 'SESSION_EXPIRED', () => new ApiClient(h.url, h.placeId).get('/bookings', { headers: { cookie: `creneau_${h.placeId}=../../x` } })],
  ['sign-in with a password of 10 kB', 400, 'INVALID_REQUEST', () => new ApiClient(h.url, h.placeId).post('/session', { usr: 'a@b.c', pwd: 'p'.repeat(10_000) })],
  ['sign-in without a password', 400, 'INVALID_REQUEST', () => new ApiClient(h.url, h.placeId).post('/session', { usr: 'a@b.c' })],
  ['an occupancy date that does not exist', 403, 'MANAGER_ONLY', () => alice.get('/manager/occupancy?date=2026-02-30')],
];

describe('bad requests get a clear 4xx, never a 5xx', () => {
  it.each(CASES)('%s → %i', async (_label, status, code, send) => {
    const response = await send();
    expect(response.status).toBe(status);
    const body = response.body as { error?: { code?: unknown; message?: unknown } } | undefined;
    expect(typeof body?.error?.message).toBe('string');
    expect(String(body?.error?.message).length).toBeGreaterThan(10);
    if (typeof code === 'string') expect(body?.error?.code).toBe(code);
    else expect(String(body?.error?.code)).toMatch(code);
  });

  it('says where and what in both languages for invalid input', async () => {
    const response = await alice.post('/bookings', { ...good, start: '2026-12-03T10:00:00', seats: 0 });
    const body = response.body as { error: { message: string; details: { issues: unknown[] } } };
    expect(body.error.message).toBe(
      'Requête invalide : corps « start » : date et heure ISO 8601 avec un décalage ou Z attendues, par exemple 2026-11-30T09:00:00+01:00 (sans décalage, l’heure est ambiguë) ; corps « seats » : au moins 1',
    );
    const en = await alice.post('/bookings', { ...good, end: '2026-12-03T09:00:00+01:00' }, { headers: { 'accept-language': 'en' } });
    expect((en.body as { error: { message: string } }).error.message).toBe('Invalid request: body "end": must be after "start"');
  });

  it('logged no failure of its own while answering them all', () => {
    expect(h.logs.filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
    const lines = h.logs.filter((l) => l.msg === 'http');
    expect(lines.length).toBeGreaterThanOrEqual(CASES.length);
    expect(lines.every((l) => typeof l.status === 'number' && l.status < 500)).toBe(true);
  });

  it('never logged a password, a session token or a CSRF token', () => {
    const text = JSON.stringify(h.logs);
    for (const member of [h.members.alice, h.members.bob]) expect(text).not.toContain(member.password);
    for (const client of [alice, bob]) {
      expect(text).not.toContain(client.cookie?.split('=')[1] ?? 'no-cookie');
      expect(text).not.toContain(client.csrf ?? 'no-csrf');
    }
  });

  it('writes one access line per request with the route pattern, place and user, not the URL', () => {
    const line = h.logs.find((l) => l.msg === 'http' && l.route === '/api/places/:place/bookings/:id' && l.user === h.members.bob.user);
    expect(line).toMatchObject({ method: 'GET', status: 404, place: h.placeId });
    expect(typeof line?.ms).toBe('number');
  });

  it('sets the security headers on answers, errors included', async () => {
    const answers = [
      await alice.get('/resources'),
      await alice.get('/bookings/bkg_none'),
      await alice.get('/nowhere'),
      // Refused before the route's handler runs: by the body parser, the JSON-only check, the webhook's signature check.
      await alice.post('/bookings', undefined, { raw: '{"resourceId": ', headers: { 'content-type': 'application/json' } }),
      await alice.post('/bookings', undefined, { raw: 'resourceId=salle-a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      await rawRequest('POST', `/erp/webhooks/${h.placeId}`, { 'content-type': 'application/json' }, Buffer.from('{}')),
    ];
    for (const response of answers) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    expect(answers.slice(3).map((r) => r.status)).toEqual([400, 415, 401]);
  });

  it('serves the OpenAPI document to anyone, generated from the schemas it validates with', async () => {
    const response = await new ApiClient(h.url, h.placeId).get('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(h.api.openapi)));
    expect((response.body as { openapi: string }).openapi).toBe('3.1.0');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });
});
