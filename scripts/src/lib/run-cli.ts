/** What a command prints on: the terminal's standard output and error. */
export const consoleIo = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };

/**
 * Runs a command's body (parse, work, print) and exits with the code it returns; a failure it did
 * not expect is printed with its stack and exits 1.
 */
export function runCli(body: () => Promise<number>): void {
  body().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
