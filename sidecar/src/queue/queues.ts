import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions, type Processor } from 'bullmq';
import type { ErpChangeNotice } from '../booking/contract';
import type { Logger } from '../log';
import type { PlaceKeyspace } from '../redis/keys';

/**
 * A place's BullMQ queues, under the place's key prefix so that places sharing a Redis never see
 * each other's jobs. Each queue has its own worker in every sidecar process that runs workers;
 * BullMQ hands each job to one of them, and hands a job back out if its process died holding it
 * (stalled-job detection), so the work survives a `kill -9`.
 */

export const QUEUE_NAMES = {
  /** Writing a booking's current state to the ERP. */
  erpWrites: 'erp-writes',
  /** Applying a change made in the ERP (webhooks). */
  erpChanges: 'erp-changes',
  /** Hold expiry, the outbox sweep, the reconciliation. */
  timers: 'booking-timers',
  /** Writing ticket ledger entries, balance rows and expiry reminders to the ERP. */
  ticketWrites: 'ticket-writes',
  /** Applying ERP changes to the ticket ledger: entries typed in the desk, invoices paid, pack types. */
  ticketChanges: 'ticket-changes',
  /** The ticket outbox sweep, the reconciliation, the daily expiry and reminders. */
  ticketTimers: 'ticket-timers',
  /** The money flows' ERP documents (invoices, payments, credit notes), the payment poll, the post-paid check. */
  money: 'money',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** What tries a job again once it has used up its attempts: the log line that says it failed for good names it. */
const TRIED_AGAIN_BY: Readonly<Record<QueueName, string>> = {
  'erp-writes': 'the sweeper',
  // The sweepers requeue writes only; a change notice given up on is caught by the periodic reconciliation with the ERP.
  'erp-changes': 'the reconciliation',
  'booking-timers': 'the sweeper',
  'ticket-writes': 'the sweeper',
  'ticket-changes': 'the reconciliation',
  'ticket-timers': 'the sweeper',
  money: 'the next booking change or the poll',
};

export interface WorkerSettings {
  concurrency: number;
  /** How long a job's lock lasts before another process may take the job over (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  stalledIntervalMs?: number;
}

/** A job id BullMQ accepts (no ':') from any text, so that ids built from booking ids stay unique. */
export function jobId(...parts: (string | number)[]): string {
  return parts.map((part) => encodeURIComponent(String(part))).join('-');
}

/** Jobs leave Redis once done or given up: the ERP and the outboxes keep what matters, and Redis does not fill up. */
const FORGET_WHEN_DONE = { removeOnComplete: true, removeOnFail: true } as const;

function jobTemplate(jobName: string, data: unknown): { name: string; data?: unknown; opts: JobsOptions } {
  return { name: jobName, ...(data === undefined ? {} : { data }), opts: { ...FORGET_WHEN_DONE } };
}

/**
 * The job id of a change notice from the ERP, per queue (`prefix`): the same change delivered twice is one job.
 * A notice without `modified` (a deletion) is told apart by when it arrived.
 */
export function changeJobId(prefix: string, change: Pick<ErpChangeNotice, 'doctype' | 'name' | 'event' | 'modified'>, now: number): string {
  return jobId(prefix, change.doctype, change.name, change.event, change.modified ?? String(now));
}

export class PlaceQueues {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connection: ConnectionOptions;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly keys: PlaceKeyspace,
    redisUrl: string,
    private readonly logger: Logger,
  ) {
    this.connection = { url: redisUrl };
  }

  queue(name: QueueName): Queue {
    // A job finishing during close() must not open a new connection that would keep the process alive.
    if (this.closed) throw new Error(`the queues of place ${this.keys.placeId} are closed`);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.keys.queuePrefix });
      queue.on('error', (error: Error) => this.logger.warn({ place: this.keys.placeId, queue: name, err: error }, 'queue connection error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add(name: QueueName, jobName: string, data: unknown, options: JobsOptions): Promise<void> {
    await this.queue(name).add(jobName, data, { ...FORGET_WHEN_DONE, ...options });
  }

  /** Starts a worker for a queue in this process. */
  work(name: QueueName, processor: Processor, settings: WorkerSettings): void {
    if (this.closed) throw new Error(`the queues of place ${this.keys.placeId} are closed`);
    const worker = new Worker(name, processor, {
      connection: this.connection,
      prefix: this.keys.queuePrefix,
      concurrency: settings.concurrency,
      ...(settings.lockDurationMs ? { lockDuration: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs ? { stalledInterval: settings.stalledIntervalMs } : {}),
    });
    worker.on('error', (error: Error) => this.logger.warn({ place: this.keys.placeId, queue: name, err: error }, 'worker error'));
    worker.on('failed', (job: Job | undefined, error: Error) => {
      const attempts = job?.opts.attempts ?? 1;
      const final = (job?.attemptsMade ?? 0) >= attempts;
      this.logger[final ? 'error' : 'warn'](
        { place: this.keys.placeId, queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error },
        final ? `job failed for good (${TRIED_AGAIN_BY[name]} will try it again)` : 'job failed, will be retried',
      );
    });
    this.workers.push(worker);
  }

  /** A repeating job (BullMQ job scheduler); upserting the same id again just updates it. */
  async every(name: QueueName, schedulerId: string, everyMs: number, jobName: string, data?: unknown): Promise<void> {
    await this.queue(name).upsertJobScheduler(schedulerId, { every: everyMs }, jobTemplate(jobName, data));
  }

  /**
   * A repeating job on a cron pattern read on the wall clock of `timeZone`, so that a daily run keeps its hour
   * across daylight-saving changes. Upserting the same id again just updates it.
   */
  async cron(name: QueueName, schedulerId: string, pattern: string, timeZone: string, jobName: string, data?: unknown): Promise<void> {
    await this.queue(name).upsertJobScheduler(schedulerId, { pattern, tz: timeZone }, jobTemplate(jobName, data));
  }

  /**
   * A job every day at a wall-clock time of a time zone (BullMQ cron with `tz`): 00:05 in Paris
   * stays 00:05 across daylight-saving changes. Upserting the same id again just updates it.
   */
  async dailyAt(name: QueueName, schedulerId: string, clock: string, timeZone: string, jobName: string): Promise<void> {
    const match = /^(\d{2}):(\d{2})$/.exec(clock);
    if (!match) throw new RangeError(`a daily time is HH:mm, got "${clock}"`);
    await this.cron(name, schedulerId, `${String(Number(match[2]))} ${String(Number(match[1]))} * * *`, timeZone, jobName);
  }

  /** When a job scheduler next fires (epoch ms), for checks and the manager's view. */
  async nextRun(name: QueueName, schedulerId: string): Promise<number | undefined> {
    const scheduler = await this.queue(name).getJobScheduler(schedulerId);
    return scheduler?.next ?? undefined;
  }

  /** Stops the workers (letting the jobs in hand finish) and the queues' connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Workers first: the jobs in hand may still queue follow-ups (a write after an expiry).
      await Promise.all(this.workers.map((worker) => worker.close()));
      this.closed = true;
      await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    })();
    return this.closing;
  }
}
