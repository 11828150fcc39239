import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { WEBHOOK_DOCTYPE_HEADER, WEBHOOK_EVENT_HEADER } from '../../../sidecar/src/addon/webhooks';
import type { BookingEngine, Principal } from '../../../sidecar/src/booking';
import { erpFromInstant } from '../../../sidecar/src/catalog/erp-values';
import { parseWebhookBody, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../../../sidecar/src/erp';
import { installAddon, type InstalledAddon } from '../../support/erp';
import { accepted, at, codes, dayAhead, eventually, PARIS, startPlace, type TestPlace } from './support';

/**
 * What staff change in the desk reaches the index: through the ERP's Webhooks (signed, delivered
 * to a receiver standing in for the HTTP layer) and through the reconciliation when a webhook is
 * lost. Bookings over capacity are kept and listed for managers, never silently accepted.
 */

let place: TestPlace;
let engine: BookingEngine;
let alice: Principal;
let receiver: Server;
let forwarding = true;
let rejectedSignatures = 0;
let addon: InstalledAddon;
const day = dayAhead(8);
const naive = (time: string): string => erpFromInstant(at(day, time), PARIS);

const deliverySchema = z.object({ name: z.string(), modified: z.string().nullable().optional(), docstatus: z.number().nullable().optional() });

beforeAll(async () => {
  place = await startPlace({
    resources: [
      { name: 'Salle Mars', kind: 'Room', capacity: 6, slotMinutes: 30, prices: { Hour: 18 } },
      { name: 'Coworking', kind: 'Seat Pool', capacity: 4, walkInMargin: 1, prices: { Hour: 4 } },
    ],
  });
  engine = await place.engine({ reconcileEveryMs: 3_600_000 });
  alice = await place.principal(engine, 'alice');

  let secret = '';
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const check = verifyWebhookSignature(raw, req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()], secret);
      if (!check.ok) {
        rejectedSignatures++;
        res.writeHead(401).end();
        return;
      }
      const body = parseWebhookBody(raw, deliverySchema);
      const notice = {
        doctype: String(req.headers[WEBHOOK_DOCTYPE_HEADER.toLowerCase()]),
        event: String(req.headers[WEBHOOK_EVENT_HEADER.toLowerCase()]),
        name: body.name,
        modified: body.modified ?? null,
        docstatus: body.docstatus ?? null,
      };
      const work = forwarding ? engine.changes.notify(notice) : Promise.resolve();
      work.then(
        () => res.writeHead(200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const { port } = receiver.address() as AddressInfo;
  addon = await installAddon(place.erp, place.emulator.url, place.placeId, `http://127.0.0.1:${port}`);
  secret = addon.webhookSecret ?? '';
});

afterAll(async () => {
  await place.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  addon.remove();
});

async function staffBooking(externalId: string, from: string, to: string, resource = 'Salle Mars', seats = 1): Promise<string> {
  const doc = await place.erp.insert('Creneau Booking', {
    resource,
    customer: 'Bob Membre',
    starts_at: naive(from),
    ends_at: naive(to),
    seats,
    status: 'Confirmed',
    payment_mode: 'On Site',
    external_id: externalId,
  });
  return doc.name;
}

const indexed = (id: string) => engine.service.get(place.manager, id).catch(() => undefined);

describe('a booking made, moved and cancelled in the desk', () => {
  it('reaches the index through the signed webhook and takes (then frees) the room', async () => {
    const name = await staffBooking('desk-mars-1', '10:00', '12:00');
    const seen = await eventually(() => indexed('desk-mars-1'), 'the webhook to bring the desk booking');
    expect(seen).toMatchObject({ erpName: name, status: 'confirmed', start: at(day, '10:00'), end: at(day, '12:00'), customer: 'Bob Membre', erpSync: 'synced' });
    expect(codes(await engine.service.create(alice, { resourceId: 'Salle Mars', start: at(day, '11:00'), end: at(day, '12:00'), paymentMode: 'on_site' }))).toEqual(['CAPACITY']);

    await place.erp.update('Creneau Booking', name, { starts_at: naive('14:00'), ends_at: naive('15:00') });
    await eventually(async () => ((await indexed('desk-mars-1'))?.start === at(day, '14:00') ? true : undefined), 'the move to reach the index');
    const freed = accepted(await engine.service.create(alice, { resourceId: 'Salle Mars', start: at(day, '11:00'), end: at(day, '12:00'), paymentMode: 'on_site' }));

    await place.erp.update('Creneau Booking', name, { status: 'Cancelled' });
    await eventually(async () => ((await indexed('desk-mars-1'))?.status === 'cancelled' ? true : undefined), 'the cancellation to reach the index');
    accepted(await engine.service.create(alice, { resourceId: 'Salle Mars', start: at(day, '14:00'), end: at(day, '15:00'), paymentMode: 'on_site' }));
    expect(rejectedSignatures).toBe(0);

    // Our own writes come back as webhooks too: they are recognised and change nothing.
    await eventually(async () => ((await indexed(freed.id))?.erpSync === 'synced' ? true : undefined), 'our booking to be written');
    await place.emulator.webhooks.idle();
    const applied = place.logs.filter((line) => line.msg === 'booking changed in the ERP applied to the index').map((line) => line.booking);
    expect(applied).not.toContain(freed.id);
    expect(applied).toContain('desk-mars-1');
  });
});

describe('a booking made in the desk without an external id', () => {
  it('gets one from the sidecar, written back to the ERP, and takes its place in the index', async () => {
    const doc = await place.erp.insert('Creneau Booking', {
      resource: 'Salle Mars',
      customer: 'Bob Membre',
      starts_at: naive('08:30'),
      ends_at: naive('09:30'),
      seats: 1,
      status: 'Confirmed',
      payment_mode: 'On Site',
    });
    const assigned = await eventually(async () => {
      const row = await place.erp.getValue('Creneau Booking', doc.name, ['external_id']);
      return typeof row?.external_id === 'string' && row.external_id !== '' ? row.external_id : undefined;
    }, 'the sidecar to give the desk booking an id');
    // The id reaches the ERP before the booking reaches the index (the index is written under the id): wait for both.
    const booking = await eventually(() => indexed(assigned), 'the desk booking in the index under its new id');
    expect(booking).toMatchObject({ erpName: doc.name, status: 'confirmed', start: at(day, '08:30'), end: at(day, '09:30') });
    expect(codes(await engine.service.create(alice, { resourceId: 'Salle Mars', start: at(day, '09:00'), end: at(day, '10:00'), paymentMode: 'on_site' }))).toEqual(['CAPACITY']);
  });
});

describe('bookings over capacity', () => {
  it('two desk bookings on the same room and time are both kept and listed as a conflict, until one is cancelled', async () => {
    await staffBooking('desk-mars-2', '16:00', '17:00');
    const second = await staffBooking('desk-mars-3', '16:30', '17:30');
    await eventually(() => indexed('desk-mars-3'), 'the second desk booking');
    const conflicts = await eventually(async () => {
      const list = await engine.service.conflicts(place.manager);
      return list.length > 0 ? list : undefined;
    }, 'the conflict to be listed');
    expect(conflicts).toEqual([expect.objectContaining({ resourceId: 'Salle Mars', bookingIds: ['desk-mars-2', 'desk-mars-3'], excess: 1, source: 'webhook' })]);
    expect(place.logs.some((line) => line.msg === 'bookings over capacity: listed as a conflict for managers')).toBe(true);
    expect((await indexed('desk-mars-2'))?.status).toBe('confirmed');

    await place.erp.update('Creneau Booking', second, { status: 'Cancelled' });
    await eventually(async () => ((await indexed('desk-mars-3'))?.status === 'cancelled' ? true : undefined), 'the cancellation');
    expect(await engine.service.conflicts(place.manager)).toEqual([]);
  });
});

describe('the reconciliation', () => {
  it('catches what lost webhooks missed: a desk booking, a change, a deletion', async () => {
    forwarding = false;
    try {
      const name = await staffBooking('desk-cowork-1', '09:00', '18:00', 'Coworking', 3);
      const gone = await staffBooking('desk-cowork-2', '19:00', '20:00', 'Coworking', 1);
      await place.emulator.webhooks.idle();
      expect(await indexed('desk-cowork-1')).toBeUndefined();

      const first = await engine.reconcile();
      expect(first.changed).toBeGreaterThanOrEqual(2);
      expect(await indexed('desk-cowork-1')).toMatchObject({ seats: 3, erpName: name });
      // 3 of 4 seats taken by staff; members may book 3 at most (1 kept for walk-ins): none left for them.
      expect(codes(await engine.service.create(alice, { resourceId: 'Coworking', start: at(day, '10:00'), end: at(day, '11:00'), paymentMode: 'on_site' }))).toEqual(['WALK_IN_MARGIN']);

      await place.erp.update('Creneau Booking', name, { seats: 2 });
      await place.erp.delete('Creneau Booking', gone);
      await place.emulator.webhooks.idle();
      const second = await engine.reconcile();
      expect(second).toMatchObject({ removed: 1 });
      expect((await indexed('desk-cowork-1'))?.seats).toBe(2);
      expect(await indexed('desk-cowork-2')).toBeUndefined();
      accepted(await engine.service.create(alice, { resourceId: 'Coworking', start: at(day, '10:00'), end: at(day, '11:00'), paymentMode: 'on_site' }));
    } finally {
      forwarding = true;
    }
  });
});

describe('catalog changes', () => {
  it('a new price in the ERP reaches the members’ resource list through its webhook', async () => {
    const before = (await engine.service.resources(alice)).find((r) => r.id === 'Salle Mars');
    expect(before?.prices).toEqual({ Hour: 1_800 });
    const [price] = await place.erp.list('Item Price', { fields: ['name'], filters: [['item_code', '=', 'RES-SALLE-MARS']], limitPageLength: 1 });
    await place.erp.update('Item Price', String(price?.name), { price_list_rate: 19.9 });
    await eventually(async () => ((await engine.service.resources(alice)).find((r) => r.id === 'Salle Mars')?.prices.Hour === 1_990 ? true : undefined), 'the new price');
  });
});
