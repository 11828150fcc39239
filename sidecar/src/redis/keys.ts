/**
 * Every Redis key and queue of a place lives under `creneau:<place>:`, so that several places share one Redis
 * without ever seeing each other's data, and a place's keys can be listed or dropped with one pattern.
 */
export interface PlaceKeyspace {
  readonly placeId: string;
  readonly prefix: string;
  key(...parts: (string | number)[]): string;
  /** BullMQ's `prefix` option for this place's queues. */
  readonly queuePrefix: string;
}

export function placeKeyspace(placeId: string, root = 'creneau'): PlaceKeyspace {
  const prefix = `${root}:${placeId}:`;
  return {
    placeId,
    prefix,
    key: (...parts) => prefix + parts.join(':'),
    queuePrefix: `${root}:${placeId}:q`,
  };
}
