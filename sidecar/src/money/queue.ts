import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from '../log';
import type { PlaceKeyspace } from '../redis/keys';

/**
 * The place's money queue (BullMQ, under the place's prefix like the booking queues): every ERP document the
 * money flows make is made by a job that retries with backoff, so that an ERP outage at any step only delays it.
 */

export const MONEY_QUEUE = 'money';

export type MoneyJob =
  /** Bring a booking's ERP documents in line with its state (invoice, expiry, cancellation, final bill). */
  | { kind: 'booking'; bookingId: string }
  /** Look whether the payment a booking waits for has been recorded in the ERP. */
  | { kind: 'settle'; bookingId: string }
  /** A Sales Invoice or Payment Entry changed in the ERP (webhook). */
  | { kind: 'erp-change'; doctype: string; name: string }
  /** The safety net: every booking waiting for a payment is looked at again. */
  | { kind: 'poll' }
  /** The daily look at whether a post-paid month is due. */
  | { kind: 'post-paid-check' };

export class MoneyQueue {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly connection: ConnectionOptions;

  constructor(
    private readonly keys: PlaceKeyspace,
    redisUrl: string,
    private readonly logger: Logger,
  ) {
    this.connection = { url: redisUrl };
  }

  private get q(): Queue {
    if (this.closed) throw new Error(`the money queue of place ${this.keys.placeId} is closed`);
    if (!this.queue) {
      this.queue = new Queue(MONEY_QUEUE, { connection: this.connection, prefix: this.keys.queuePrefix });
      this.queue.on('error', (error: Error) => this.logger.warn({ place: this.keys.placeId, queue: MONEY_QUEUE, err: error }, 'queue connection error'));
    }
    return this.queue;
  }

  async add(job: MoneyJob, options: JobsOptions): Promise<void> {
    await this.q.add(job.kind, job, { removeOnComplete: true, removeOnFail: true, ...options });
  }

  work(processor: (job: MoneyJob) => Promise<void>, settings: { concurrency: number; lockDurationMs?: number; stalledIntervalMs?: number }): void {
    if (this.closed) throw new Error(`the money queue of place ${this.keys.placeId} is closed`);
    const worker = new Worker(MONEY_QUEUE, (job: Job<MoneyJob>) => processor(job.data), {
      connection: this.connection,
      prefix: this.keys.queuePrefix,
      concurrency: settings.concurrency,
      ...(settings.lockDurationMs ? { lockDuration: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs ? { stalledInterval: settings.stalledIntervalMs } : {}),
    });
    worker.on('error', (error: Error) => this.logger.warn({ place: this.keys.placeId, queue: MONEY_QUEUE, err: error }, 'worker error'));
    worker.on('failed', (job: Job<MoneyJob> | undefined, error: Error) => {
      const final = (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
      this.logger[final ? 'error' : 'warn'](
        { place: this.keys.placeId, queue: MONEY_QUEUE, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error },
        final ? 'money job failed for good (the next booking change or the poll will try again)' : 'money job failed, will be retried',
      );
    });
    this.worker = worker;
  }

  /** A repeating job every `everyMs`. */
  async every(schedulerId: string, everyMs: number, job: MoneyJob): Promise<void> {
    await this.q.upsertJobScheduler(schedulerId, { every: everyMs }, { name: job.kind, data: job, opts: { removeOnComplete: true, removeOnFail: true } });
  }

  /** A repeating job on a cron pattern read on the wall clock of `tz` (so a daily run stays at its hour across DST). */
  async cron(schedulerId: string, pattern: string, tz: string, job: MoneyJob): Promise<void> {
    await this.q.upsertJobScheduler(schedulerId, { pattern, tz }, { name: job.kind, data: job, opts: { removeOnComplete: true, removeOnFail: true } });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.worker?.close();
      this.closed = true;
      await this.queue?.close();
    })();
    return this.closing;
  }
}
