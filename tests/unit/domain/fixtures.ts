import {
  parsePlace,
  parseResource,
  parseLocalDateTime,
  type BookedInterval,
  type Instant,
  type Place,
  type Resource,
  type ResourceSettingsInput,
} from '../../../sidecar/src/domain';

export const PARIS = 'Europe/Paris';

/** "2026-06-15 09:00" read on the wall clock of `zone`. */
export function at(local: string, zone = PARIS): Instant {
  return parseLocalDateTime(local, zone);
}

export const MONDAY_TO_FRIDAY_8_19 = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '08:00', to: '19:00' }));
export const EVERY_DAY_ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' }));

export function resource(overrides: Partial<ResourceSettingsInput> = {}): Resource {
  return parseResource({
    id: 'salle-a',
    name: 'Salle A',
    kind: 'room',
    itemCode: 'SALLE-A',
    capacity: 12,
    slotMinutes: 30,
    openingHours: MONDAY_TO_FRIDAY_8_19,
    ...overrides,
  });
}

export function seatPool(overrides: Partial<ResourceSettingsInput> = {}): Resource {
  return resource({ id: 'coworking', name: 'Coworking', kind: 'seat_pool', itemCode: 'COWORKING', capacity: 10, slotMinutes: 60, ...overrides });
}

export const place: Place = parsePlace({});

let counter = 0;
export function booking(
  r: Resource,
  start: string,
  end: string,
  extra: Partial<BookedInterval> = {},
): BookedInterval {
  counter++;
  return {
    id: `b${counter}`,
    resourceId: r.id,
    memberId: 'someone-else',
    start: at(start, r.timeZone),
    end: at(end, r.timeZone),
    seats: 1,
    status: 'confirmed',
    ...extra,
  };
}
