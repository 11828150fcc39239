import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInstallerArgs, type CliParse, type InstallerCliSettings } from '../../../sidecar/src/addon/cli-options';

const emptyDir = (): string => mkdtempSync(join(tmpdir(), 'creneau-cli-'));

function settingsOf(parse: CliParse): InstallerCliSettings {
  if (parse.help || !('settings' in parse)) throw new Error(`expected settings, got ${JSON.stringify(parse)}`);
  return parse.settings;
}
function problemsOf(parse: CliParse): string[] {
  if (parse.help || !('problems' in parse)) throw new Error(`expected problems, got ${JSON.stringify(parse)}`);
  return parse.problems;
}

describe('erp:install settings', () => {
  const flags = ['--url', 'https://erp.example.org/', '--api-key', 'k', '--api-secret', 's', '--sidecar-url', 'https://side.example.org/'];

  it('come from flags, trailing slashes trimmed, with the defaults', () => {
    const cwd = emptyDir();
    expect(settingsOf(parseInstallerArgs(flags, {}, 'install', cwd))).toEqual({
      erp: { url: 'https://erp.example.org', apiKey: 'k', apiSecret: 's', timeoutMs: 30_000 },
      place: 'default',
      sidecarUrl: 'https://side.example.org',
      secretsFile: join(cwd, '.creneau/secrets.json'),
      module: 'Creneau',
      dryRun: false,
      force: false,
      rotateSecret: false,
      verbose: false,
    });
  });

  it('come from the environment when no flag gives them, flags winning', () => {
    const env = { ERP_URL: 'http://erp.local:8000', ERP_API_KEY: 'env-key', ERP_API_SECRET: 'env-secret', SIDECAR_PUBLIC_URL: 'http://side.local:8080' };
    const settings = settingsOf(parseInstallerArgs(['--api-key', 'flag-key', '--dry-run', '--place', 'lab'], env, 'install', emptyDir()));
    expect(settings).toMatchObject({ erp: { url: 'http://erp.local:8000', apiKey: 'flag-key', apiSecret: 'env-secret' }, sidecarUrl: 'http://side.local:8080', place: 'lab', dryRun: true });
  });

  it("come from the sidecar's configuration file, for the place named", () => {
    const cwd = emptyDir();
    writeFileSync(
      join(cwd, 'creneau.config.json'),
      JSON.stringify({
        http: { publicUrl: 'https://side.example.org' },
        secretsFile: 'secrets/creneau.json',
        places: [
          { id: 'fablab', name: 'Fablab', erp: { url: 'https://fab.example.org', apiKey: 'fk', apiSecret: { env: 'FAB_SECRET' } } },
          { id: 'cowork', name: 'Cowork', erp: { url: 'https://co.example.org', apiKey: 'ck', apiSecret: 'cs', timeoutMs: 5000 } },
        ],
      }),
    );
    const settings = settingsOf(parseInstallerArgs(['--place', 'cowork'], { FAB_SECRET: 'x' }, 'install', cwd));
    expect(settings).toMatchObject({
      erp: { url: 'https://co.example.org', apiKey: 'ck', apiSecret: 'cs', timeoutMs: 5000 },
      sidecarUrl: 'https://side.example.org',
      secretsFile: join(cwd, 'secrets/creneau.json'),
    });
    expect(problemsOf(parseInstallerArgs(['--place', 'nowhere'], { FAB_SECRET: 'x' }, 'install', cwd))).toEqual([
      '--place: "nowhere" is not one of the configured places (fablab, cowork)',
    ]);
  });

  it('name every missing setting on its own line', () => {
    expect(problemsOf(parseInstallerArgs(['--url', 'erp.example.org'], {}, 'install', emptyDir()))).toEqual([
      '--url: "erp.example.org" is not an http:// or https:// URL',
      'API key missing: pass --api-key or set ERP_API_KEY',
      'API secret missing: pass --api-secret or set ERP_API_SECRET',
      'Sidecar URL missing: pass --sidecar-url or set SIDECAR_PUBLIC_URL (the address the ERP can reach the sidecar at)',
    ]);
  });

  it('refuse an unknown flag and the uninstaller-only --force', () => {
    expect(problemsOf(parseInstallerArgs([...flags, '--colour'], {}, 'install', emptyDir()))[0]).toMatch(/--colour/);
    expect(problemsOf(parseInstallerArgs([...flags, '--force'], {}, 'install', emptyDir()))).toEqual(['--force is an option of erp:uninstall']);
  });
});

describe('erp:uninstall settings', () => {
  it('need no sidecar URL and take --force', () => {
    const settings = settingsOf(parseInstallerArgs(['--url', 'http://erp.local', '--api-key', 'k', '--api-secret', 's', '--force'], {}, 'uninstall', emptyDir()));
    expect(settings).toMatchObject({ sidecarUrl: '', force: true });
  });

  it('print the usage on --help', () => {
    const parse = parseInstallerArgs(['--help'], {}, 'uninstall', emptyDir());
    expect(parse).toEqual({ help: true, usage: expect.stringContaining('--force') as string });
  });
});
