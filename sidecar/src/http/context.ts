import type { Redis } from 'ioredis';
import type { BookingService, ErpChangeSink, MemberDirectory } from '../booking/contract';
import type { ErpPort } from '../erp';
import type { Logger } from '../log';
import type { MoneyService } from '../money/contract';
import type { PlaceKeyspace } from '../redis/keys';
import type { TicketService } from '../tickets/contract';
import { route, type Access, type AnyRoute, type RouteSpec } from './routes';
import type { SessionStore } from './session';
import type { RateWindow } from './throttle';
import type { z } from './zod';

/** One place as the API serves it: its engine, its ERP (for members' sign-in) and its Redis keyspace. */
export interface PlaceApi {
  id: string;
  name: string;
  timeZone: string;
  /**
   * ISO 4217 code of the place's price lists. The engine gives some amounts without a currency (a resource's
   * unit prices, a cancellation fee); quotes carry their own.
   */
  currency: string;
  service: BookingService;
  directory: MemberDirectory;
  changes: ErpChangeSink;
  erp: Pick<ErpPort, 'verifyUserCredentials'>;
  keys: PlaceKeyspace;
  /** Shared with the ERP's Webhooks by the installer; undefined until the add-on is installed (deliveries are then refused). */
  webhookSecret: string | undefined;
  /** The place's money flows (payments, invoices); without them the payment routes answer 503. */
  money?: MoneyService;
  /** The place's ticket ledger (balances, history, corrections, check-ins); without it the ticket routes answer 503. */
  tickets?: TicketService;
}

export interface ThrottleLimits {
  /** Sign-in attempts per user id, whatever the address (guessing one member's password). */
  signInPerUser: RateWindow;
  /** Sign-in attempts per client address, whatever the user id (trying many members). */
  signInPerIp: RateWindow;
  /** Bookings a member may create or move. */
  bookingsPerMember: RateWindow;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  signInPerUser: { limit: 10, windowSeconds: 15 * 60 },
  signInPerIp: { limit: 50, windowSeconds: 15 * 60 },
  bookingsPerMember: { limit: 30, windowSeconds: 60 },
};

/** What the route handlers share. */
export interface ApiDeps {
  redis: Redis;
  sessions: SessionStore;
  logger: Logger;
  now: () => number;
  limits: ThrottleLimits;
  /** Session cookies get Secure (and the __Host- prefix) when the public URL is https. */
  secureCookies: boolean;
}

/** A route of a place (`:place` in its path): its handler receives the place. */
export function placeRoute<
  A extends Access,
  P extends z.ZodType = z.ZodObject,
  Q extends z.ZodType = z.ZodObject,
  B extends z.ZodType = z.ZodObject,
  H extends z.ZodType = z.ZodObject,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<A, P, Q, B, H, R, PlaceApi>): AnyRoute {
  return route<A, PlaceApi, P, Q, B, H, R>(spec);
}
