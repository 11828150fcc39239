import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../sidecar/src/log';

/**
 * The sidecar's logger writing into the test instead of the terminal: tests read what was logged (a retry happened,
 * no secret was written), and a run's output stays readable. CRENEAU_TEST_LOGS=40 prints the warnings and errors
 * (30: everything) when the test ends, for a test that needs looking into.
 */
export interface CapturedLogs {
  logger: Logger;
  /** Every record written so far, parsed. */
  lines: Record<string, unknown>[];
  /** Prints the records at or above CRENEAU_TEST_LOGS to stderr; nothing when it is not set. */
  replay(): void;
}

export function captureLogs(level = process.env.TEST_LOG_LEVEL ?? 'info'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    replay() {
      const from = Number(process.env.CRENEAU_TEST_LOGS ?? Infinity);
      for (const line of lines) if (Number(line.level) >= from) process.stderr.write(`${JSON.stringify(line).slice(0, 800)}\n`);
    },
  };
}
