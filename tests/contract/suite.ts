// Jest wiring shared by the theme files: one site per test file, one test per recording.
import { CleanupLog, Fixtures, nextTag } from './fixtures';
import { Ctx, Shared, type Theme } from './scenario';
import { Site } from './site';

const SETUP_TIMEOUT_MS = 120_000;
// A case may wait for a webhook delivery (CONTRACT_WEBHOOK_DEADLINE_MS) after its setup.
const CASE_TIMEOUT_MS = 90_000;

export function contractSuite(theme: Theme): void {
  describe(`contract: ${theme.name}`, () => {
    const log = new CleanupLog();
    let site: Site | undefined;
    let shared: Shared | undefined;

    beforeAll(async () => {
      site = await Site.open();
      shared = new Shared(site, log);
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await shared?.cleanup();
      await site?.close();
      log.print(theme.name);
    }, SETUP_TIMEOUT_MS);

    test.each(theme.scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
      if (!site || !shared) throw new Error('The site under test did not start (see the beforeAll error)');
      const fx = new Fixtures(site, nextTag(), log);
      try {
        await scenario.execute(new Ctx(site, fx, shared));
      } finally {
        await fx.cleanup();
      }
    }, CASE_TIMEOUT_MS);
  });
}
