import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, setPlaceSecret, type Env } from '../../../sidecar/src/config';

const dir = (): string => mkdtempSync(join(tmpdir(), 'creneau-config-'));

function problemsOf(env: Env, cwd = dir(), file?: string): string[] {
  try {
    loadConfig({ env, cwd, ...(file ? { file } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment (one place)', () => {
  const good = { ERP_URL: 'http://erp.local:8000/', ERP_API_KEY: 'k', ERP_API_SECRET: 's' };

  it('reads one place with defaults', () => {
    const config = loadConfig({ env: good, cwd: dir() });
    expect(config.places).toHaveLength(1);
    expect(config.places[0]).toMatchObject({ id: 'default', timeZone: 'Europe/Paris', erp: { url: 'http://erp.local:8000', apiKey: 'k', apiSecret: 's', timeoutMs: 10_000 } });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, publicUrl: 'http://127.0.0.1:8080' });
    expect(config.source).toBe('environment');
  });

  it('says in one line how to configure when nothing is set', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/set ERP_URL, ERP_API_KEY and ERP_API_SECRET/);
  });

  it('names each missing or bad variable on its own line', () => {
    const problems = problemsOf({ ERP_URL: 'ftp://x', ERP_API_KEY: 'k', PORT: 'eighty', ERP_TIMEOUT_MS: '1.5', PLACE_TIME_ZONE: 'Mars/Olympus' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: "eighty" is not a TCP port number',
        'ERP_TIMEOUT_MS: "1.5" is not a whole number of milliseconds',
      ]),
    );
    expect(problems.some((p) => p.startsWith('ERP_URL: an http:// or https:// URL'))).toBe(true);
    expect(problems).toContain('ERP_API_SECRET: required');
  });

  it('rejects an unknown time zone by name', () => {
    expect(problemsOf({ ...good, PLACE_TIME_ZONE: 'Mars/Olympus' })).toEqual(['PLACE_TIME_ZONE: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Paris)']);
  });

  it('lets REDIS_URL, PORT and LOG_LEVEL override', () => {
    const config = loadConfig({ env: { ...good, REDIS_URL: 'redis://127.0.0.1:6390', PORT: '9000', LOG_LEVEL: 'debug' }, cwd: dir() });
    expect(config.redis.url).toBe('redis://127.0.0.1:6390');
    expect(config.http.port).toBe(9000);
    expect(config.log.level).toBe('debug');
  });
});

describe('configuration file (several places)', () => {
  const twoPlaces = {
    http: { port: 8081 },
    places: [
      { id: 'fabrique', name: 'La Fabrique', erp: { url: 'https://erp.fabrique.example', apiKey: 'k1', apiSecret: { env: 'FABRIQUE_SECRET' } } },
      { id: 'ruche', name: 'La Ruche', hosts: ['reserver.ruche.example'], erp: { url: 'https://erp.ruche.example', apiKey: 'k2', apiSecret: 's2' } },
    ],
  };

  it('reads every place, secrets from the environment', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'creneau.config.json'), JSON.stringify(twoPlaces));
    const config = loadConfig({ env: { FABRIQUE_SECRET: 'from-env' }, cwd });
    expect(config.places.map((p) => p.id)).toEqual(['fabrique', 'ruche']);
    expect(config.places[0]?.erp.apiSecret).toBe('from-env');
    expect(config.places[1]?.hosts).toEqual(['reserver.ruche.example']);
    expect(config.http.port).toBe(8081);
  });

  it('names the missing environment variable and the JSON path', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'creneau.config.json'), JSON.stringify(twoPlaces));
    expect(problemsOf({}, cwd)).toEqual(['places[0].erp.apiSecret: environment variable FABRIQUE_SECRET is not set']);
  });

  it('reports bad JSON, unknown settings, duplicate ids and bad ids, one line each', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'broken.json'), '{ "places": [ }');
    const broken = problemsOf({}, cwd, 'broken.json');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/broken\.json: not valid JSON/);

    const place = twoPlaces.places[1];
    writeFileSync(join(cwd, 'dup.json'), JSON.stringify({ colour: 'blue', places: [place, place, { ...place, id: 'Bad Id' }] }));
    const problems = problemsOf({}, cwd, 'dup.json');
    expect(problems).toContain('top level: unknown setting "colour"');
    expect(problems.some((p) => p.startsWith('places[2].id: lowercase letters'))).toBe(true);
    expect(problemsOf({}, cwd, 'missing.json')[0]).toMatch(/missing\.json: configuration file not found/);

    writeFileSync(join(cwd, 'twice.json'), JSON.stringify({ places: [place, place] }));
    expect(problemsOf({}, cwd, 'twice.json')).toEqual(['places[1].id: "ruche" is used by two places']);
  });

  it('never prints a secret in a problem line', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'c.json'), JSON.stringify({ places: [{ id: 'x', name: 'X', erp: { url: 'nope', apiKey: 'k', apiSecret: 'super-secret-value' } }] }));
    const problems = problemsOf({}, cwd, 'c.json');
    expect(problems.join('\n')).not.toContain('super-secret-value');
    expect(problems[0]).toMatch(/^places\[0\]\.erp\.url: /);
  });
});

describe('secrets file', () => {
  it('keeps the webhook secret per place, mode 0600, and the config reads it back', () => {
    const cwd = dir();
    const path = join(cwd, '.creneau', 'secrets.json');
    setPlaceSecret(path, 'default', { webhookSecret: 'a'.repeat(32) });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ default: { webhookSecret: 'a'.repeat(32) } });
    const config = loadConfig({ env: { ERP_URL: 'http://e', ERP_API_KEY: 'k', ERP_API_SECRET: 's' }, cwd });
    expect(config.places[0]?.webhookSecret).toBe('a'.repeat(32));
  });
});
