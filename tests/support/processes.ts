import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/**
 * A TypeScript script in a process of its own: a sidecar to kill with -9, the sidecar's own entry point run as an
 * operator would. Node runs it with tsx's loader rather than through the tsx command, which would run the script in
 * a grandchild that a signal sent to the child never reaches.
 */

/** tsx's loader, found from this repository, so that a script runs the same from any working folder. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

export interface ScriptProcess {
  readonly child: ChildProcess;
  /** What it has written so far, stdout and stderr as they came. */
  output(): string;
  /** What it has written on stderr so far. */
  stderr(): string;
  /** Calls `listener` with every line it writes on stdout from now on. */
  onLine(listener: (line: string) => void): void;
  /** The first line on stdout that matches; fails, with its output, if it exits first or `limitMs` passes. */
  waitForLine(pattern: RegExp, limitMs: number): Promise<RegExpExecArray>;
  /** Its exit code once it has exited (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Its exit code; if it is still running after `limitMs`, it is killed and this fails with its output. */
  finished(limitMs: number): Promise<number | null>;
  /** Sends `signal` and waits for the exit, with SIGKILL after `graceMs` if it is still there. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function runScript(file: string, options: { env: NodeJS.ProcessEnv; cwd?: string }): ScriptProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, file], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    stderr += text;
  });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> => {
    if (!running()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return {
    child,
    output: () => output,
    stderr: () => stderr,
    onLine: (listener) => lines.on('line', listener),
    waitForLine: (pattern, limitMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${file} printed no line matching ${String(pattern)} within ${String(limitMs / 1000)} s:\n${output}`));
        }, limitMs);
        lines.on('line', (line) => {
          const found = pattern.exec(line);
          if (!found) return;
          clearTimeout(timer);
          resolve(found);
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${file} exited (${String(code)}) before printing a line matching ${String(pattern)}:\n${output}`));
        });
      }),
    exited,
    finished: async (limitMs) => {
      const late = { killed: false };
      const timer = setTimeout(() => {
        late.killed = true;
        child.kill('SIGKILL');
      }, limitMs);
      const code = await exited;
      clearTimeout(timer);
      if (late.killed) throw new Error(`${file} was still running after ${String(limitMs / 1000)} s and was killed:\n${output}`);
      return code;
    },
    stop,
  };
}
