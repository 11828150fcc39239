import { occupiesCapacity, type BookedInterval, type BusyBlock } from './booking';
import { unitsOf, type Place, type Resource } from './resource';
import { forEachSlot, openWindows } from './schedule';
import { addDays, localDateOf, MINUTE_MS, zoneDay, type Instant, type Interval } from './time';

/**
 * Free capacity per slot and bookable intervals.
 *
 * A booking occupies its resource from `start − bufferBefore` to `end + bufferAfter`. A slot can take
 * a new booking of `u` units if, over the slot widened by the same buffers, the occupancy never
 * rises above `capacity − u`: the new booking's own buffers must not touch anyone else's. Busy
 * blocks from external calendars take the whole resource. Members may not book into the walk-in
 * margin; managers may.
 */

export type Audience = 'member' | 'manager';

/** Occupancy of one resource as a step function: from `times[i]` on, `levels[i]` units are taken. */
export interface Occupancy {
  readonly times: Float64Array;
  readonly levels: Int32Array;
  readonly length: number;
}

const EMPTY_OCCUPANCY: Occupancy = { times: new Float64Array(0), levels: new Int32Array(0), length: 0 };

// Events are packed into one float as time × 2048 + 1024 ± units so a native numeric sort orders
// them, releases before takes at the same instant (a booking may start when another ends). It is
// exact while time × 2048 stays below 2^53, i.e. until the year 2109, and units stay below 1024;
// anything else takes the comparator path.
const PACK = 2048;
const PACK_BIAS = 1024;
const PACKABLE_TIME = Math.floor(Number.MAX_SAFE_INTEGER / PACK) - 1;

export function buildOccupancy(
  resource: Resource,
  bookings: readonly BookedInterval[],
  busy: readonly BusyBlock[],
  now: Instant,
  excludeBookingId?: string,
): Occupancy {
  const before = resource.bufferBeforeMinutes * MINUTE_MS;
  const after = resource.bufferAfterMinutes * MINUTE_MS;
  const starts: number[] = [];
  const ends: number[] = [];
  const units: number[] = [];
  for (const b of bookings) {
    if (b.resourceId !== resource.id || b.id === excludeBookingId || b.end <= b.start || !occupiesCapacity(b, now)) continue;
    starts.push(b.start - before);
    ends.push(b.end + after);
    units.push(Math.min(unitsOf(resource, b.seats), resource.compiled.units));
  }
  for (const block of busy) {
    if (block.resourceId !== resource.id || block.end <= block.start) continue;
    starts.push(block.start - before);
    ends.push(block.end + after);
    units.push(resource.compiled.units);
  }
  const n = starts.length;
  if (n === 0) return EMPTY_OCCUPANCY;

  const eventTimes = new Float64Array(2 * n);
  const eventDeltas = new Int32Array(2 * n);
  let packable = true;
  for (let i = 0; i < n; i++) {
    const s = starts[i] ?? 0;
    const e = ends[i] ?? 0;
    const u = units[i] ?? 0;
    if (s < 0 || e > PACKABLE_TIME || u >= PACK_BIAS || !Number.isInteger(s) || !Number.isInteger(e)) packable = false;
  }
  if (packable) {
    const keys = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const u = units[i] ?? 0;
      keys[2 * i] = (starts[i] ?? 0) * PACK + PACK_BIAS + u;
      keys[2 * i + 1] = (ends[i] ?? 0) * PACK + PACK_BIAS - u;
    }
    keys.sort();
    for (let k = 0; k < 2 * n; k++) {
      const key = keys[k] ?? 0;
      const time = Math.floor(key / PACK);
      eventTimes[k] = time;
      eventDeltas[k] = key - time * PACK - PACK_BIAS;
    }
  } else {
    const events: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const u = units[i] ?? 0;
      events.push([starts[i] ?? 0, u], [ends[i] ?? 0, -u]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    events.forEach(([time, delta], k) => {
      eventTimes[k] = time;
      eventDeltas[k] = delta;
    });
  }

  // Collapse events at the same instant into one step, so each step has a positive length.
  const times = new Float64Array(2 * n);
  const levels = new Int32Array(2 * n);
  let length = 0;
  let level = 0;
  for (let k = 0; k < 2 * n; k++) {
    const time = eventTimes[k] ?? 0;
    level += eventDeltas[k] ?? 0;
    if (length > 0 && times[length - 1] === time) {
      levels[length - 1] = level;
    } else {
      times[length] = time;
      levels[length] = level;
      length++;
    }
  }
  return { times, levels, length };
}

/**
 * Highest occupancy over [from, to), for queries whose `from` never goes backwards: the cursor keeps
 * its place, so a sweep over all the slots of a resource is linear.
 */
export class OccupancyCursor {
  private index = -1;

  constructor(private readonly occupancy: Occupancy) {}

  maxOver(from: Instant, to: Instant): number {
    const { times, levels, length } = this.occupancy;
    // Move to the last step starting at or before `from`.
    while (this.index + 1 < length && (times[this.index + 1] ?? Infinity) <= from) this.index++;
    let max = this.index >= 0 ? (levels[this.index] ?? 0) : 0;
    for (let i = this.index + 1; i < length && (times[i] ?? Infinity) < to; i++) {
      const level = levels[i] ?? 0;
      if (level > max) max = level;
    }
    return max;
  }
}

/** Highest occupancy over [from, to), for a single query. */
export function maxOccupancy(occupancy: Occupancy, from: Instant, to: Instant): number {
  return new OccupancyCursor(occupancy).maxOver(from, to);
}

/** Units this audience may book at most: managers the whole resource, members all but the walk-in margin. */
export function capacityFor(resource: Resource, audience: Audience): number {
  return audience === 'manager' ? resource.compiled.units : resource.compiled.units - resource.compiled.walkInUnits;
}

/**
 * Earliest and latest start a booking may have, from the lead time and the horizon. Managers only
 * have to book in the future. The horizon counts calendar days in the resource's zone: with 30 days,
 * any start up to the end of the 30th local day after today.
 */
export function bookingWindow(resource: Resource, now: Instant, audience: Audience): { earliestStart: Instant; latestStartBefore: Instant } {
  if (audience === 'manager') return { earliestStart: now, latestStartBefore: Infinity };
  const earliestStart = now + resource.leadMinutes * MINUTE_MS;
  if (resource.horizonDays === undefined) return { earliestStart, latestStartBefore: Infinity };
  const lastDay = addDays(localDateOf(now, resource.timeZone), resource.horizonDays);
  return { earliestStart, latestStartBefore: zoneDay(resource.timeZone, lastDay).end };
}

export interface Slot {
  readonly start: Instant;
  readonly end: Instant;
  /** Units still free for this audience over the slot (a room: 1 or 0; a seat pool: seats). */
  readonly free: number;
}

export interface ResourceAvailability {
  readonly resourceId: string;
  /** Units this audience may book at most (walk-in margin taken off for members). */
  readonly capacity: number;
  /** Every open slot whose start lies in the range. */
  readonly slots: Slot[];
  /**
   * Maximal runs of consecutive slots where `seats` can be booked now by this audience: free enough,
   * past the lead time, before the horizon; runs shorter than the minimum duration are left out.
   */
  readonly bookable: Interval[];
}

export interface AvailabilityQuery {
  readonly resources: readonly Resource[];
  readonly place: Place;
  /** Existing bookings, any resources, any order; those that do not hold capacity are ignored. */
  readonly bookings: readonly BookedInterval[];
  readonly busy?: readonly BusyBlock[];
  readonly range: Interval;
  readonly now: Instant;
  readonly audience: Audience;
  /** Seats wanted, for the bookable intervals (default 1). */
  readonly seats?: number;
}

export function availability(query: AvailabilityQuery): ResourceAvailability[] {
  const { range, now, audience } = query;
  const wanted = query.seats ?? 1;
  const byResource = new Map<string, BookedInterval[]>();
  for (const booking of query.bookings) {
    const list = byResource.get(booking.resourceId);
    if (list) list.push(booking);
    else byResource.set(booking.resourceId, [booking]);
  }
  const busyByResource = new Map<string, BusyBlock[]>();
  for (const block of query.busy ?? []) {
    const list = busyByResource.get(block.resourceId);
    if (list) list.push(block);
    else busyByResource.set(block.resourceId, [block]);
  }

  return query.resources.map((resource) => {
    const before = resource.bufferBeforeMinutes * MINUTE_MS;
    const after = resource.bufferAfterMinutes * MINUTE_MS;
    const slotMs = resource.slotMinutes * MINUTE_MS;
    // Only what can touch a slot starting in the range matters.
    const reach: Interval = { start: range.start - before - after, end: range.end + slotMs + before + after };
    const relevant = (byResource.get(resource.id) ?? []).filter((b) => b.start < reach.end && b.end > reach.start);
    const relevantBusy = (busyByResource.get(resource.id) ?? []).filter((b) => b.start < reach.end && b.end > reach.start);
    const cursor = new OccupancyCursor(buildOccupancy(resource, relevant, relevantBusy, now));

    const capacity = capacityFor(resource, audience);
    const needed = unitsOf(resource, wanted);
    const seatsFit = resource.kind === 'room' ? wanted <= resource.capacity : wanted <= resource.compiled.units;
    const { earliestStart, latestStartBefore } = bookingWindow(resource, now, audience);
    const minMs = resource.minMinutes * MINUTE_MS;

    const slots: Slot[] = [];
    const bookable: Interval[] = [];
    let runStart = NaN;
    let runEnd = NaN;
    const closeRun = () => {
      if (runEnd - runStart >= minMs && runEnd > runStart) bookable.push({ start: runStart, end: runEnd });
      runStart = NaN;
      runEnd = NaN;
    };

    const windows = openWindows(resource, query.place, range);
    forEachSlot(windows, resource.slotMinutes, range.start, range.end, (start, end) => {
      const used = cursor.maxOver(start - before, end + after);
      const free = capacity > used ? capacity - used : 0;
      slots.push({ start, end, free });
      if (seatsFit && free >= needed && start >= earliestStart && start < latestStartBefore) {
        if (runEnd === start) runEnd = end;
        else {
          closeRun();
          runStart = start;
          runEnd = end;
        }
      } else if (!Number.isNaN(runStart)) {
        closeRun();
      }
    });
    closeRun();
    return { resourceId: resource.id, capacity, slots, bookable };
  });
}
