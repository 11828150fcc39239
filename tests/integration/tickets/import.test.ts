import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTicketsImportCli } from '../../../sidecar/src/tickets/import-cli';
import { startTicketPlace, type TicketTestPlace } from './support';

/**
 * `npm run tickets:import -- --file balances.csv`: opening balances from a CSV file into the ERP's
 * ledger. A file with a bad line is refused and the line named, nothing written; --skip-bad-lines
 * writes the others; --dry-run writes nothing; a second run writes nothing more; progress is
 * printed; the sidecar then counts them like any entry of the ERP.
 */

const HALF_DAYS = { name: 'Carnet 10 demi-journées coworking', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };
const HOURS = { name: '20 heures machines', item: 'CARNET-20-H', ticketsPerPack: 20, unit: 'Hour' as const, validityDays: 0 };

let place: TicketTestPlace;
let dir: string;
const NOW = Date.parse('2026-11-28T10:00:00Z');

beforeAll(async () => {
  place = await startTicketPlace({ packs: [HALF_DAYS, HOURS], members: ['alice', 'bob', 'chloe'].map((key) => ({ key })) });
  dir = mkdtempSync(join(tmpdir(), 'creneau-import-'));
});

afterAll(async () => {
  await place.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(csv: string, ...flags: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const file = join(dir, `balances-${String(Math.random()).slice(2)}.csv`);
  writeFileSync(file, csv, 'utf8');
  const out: string[] = [];
  const err: string[] = [];
  const { emulator } = place.base;
  const code = await runTicketsImportCli(
    ['--file', file, '--url', emulator.url, '--api-key', emulator.admin.apiKey, '--api-secret', emulator.admin.apiSecret, ...flags],
    {},
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    dir,
    () => NOW,
  );
  return { code, out, err };
}

const openings = (): string[] => place.erpEntries().map((doc) => String(doc.external_id)).filter((id) => id.startsWith('opening:')).sort();

const GOOD = [
  'Client;Type de carnet;Quantité;Date d’expiration;Motif',
  'Alice Membre;Carnet 10 demi-journées coworking;7;31/03/2027;carnet papier n°12',
  'bob membre;20 heures machines;12;;',
  'Chloe Membre;Carnet 10 demi-journées coworking;3;2027-06-30;',
].join('\r\n');

describe('npm run tickets:import', () => {
  it('refuses a file with a bad line, naming the line and what is wrong, and writes nothing', async () => {
    const bad = `${GOOD}\r\nInconnue SARL;Carnet 10 demi-journées coworking;2;;\r\nAlice Membre;20 heures machines;dix;;\r\n`;
    const { code, out } = await run(bad);
    expect(code).toBe(1);
    expect(out).toContain('Ligne 5 : client inconnu dans l’ERP : « Inconnue SARL »');
    expect(out).toContain('Ligne 6 : quantité « dix » invalide : un nombre entier de tickets supérieur à 0 est attendu');
    expect(out[out.length - 1]).toMatch(/rien n'a été écrit, 2 erreur\(s\)\. .*--skip-bad-lines/);
    expect(openings()).toEqual([]);
  });

  it('prints what it would credit with --dry-run, and writes nothing', async () => {
    const { code, out } = await run(GOOD, '--dry-run', '--lang', 'en');
    expect(code).toBe(0);
    expect(out).toContain('Line 2: Alice Membre, 7 half-days "Carnet 10 demi-journées coworking", valid until 2027-03-31');
    expect(out).toContain('Line 3: Bob Membre, 12 hours "20 heures machines", never expire');
    expect(out[out.length - 1]).toBe('Dry run (--dry-run): nothing was written to the ERP.');
    expect(openings()).toEqual([]);
  });

  it('with --skip-bad-lines, credits the good lines, reports the bad ones, prints its progress; a second run credits nothing more', async () => {
    const mixed = `${GOOD}\r\nAlice Membre;Carnet inconnu;2;;\r\n`;
    const first = await run(mixed, '--skip-bad-lines');
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(/^Ligne 5 : type de carnet inconnu : « Carnet inconnu »/);
    expect(first.out).toContain('… 3/3 ligne(s) traitée(s)');
    expect(first.out[first.out.length - 1]).toBe("Import terminé : 3 solde(s) d'ouverture écrit(s), 0 déjà présent(s), 1 ligne(s) en erreur non importée(s).");
    expect(openings()).toEqual([
      'opening:Alice Membre:Carnet 10 demi-journées coworking:2027-03-31',
      'opening:Bob Membre:20 heures machines:never',
      'opening:Chloe Membre:Carnet 10 demi-journées coworking:2027-06-30',
    ]);
    const docs = place.erpEntries(place.customer('alice'));
    expect(docs.map((doc) => [doc.entry_type, doc.quantity, doc.expires_on, doc.reason, doc.posting_date])).toEqual([['Credit', 7, '2027-03-31', 'carnet papier n°12', '2026-11-28']]);

    const second = await run(mixed, '--skip-bad-lines');
    expect(second.code).toBe(0);
    expect(second.out.filter((line) => line.includes('déjà importée'))).toHaveLength(3);
    expect(second.out[second.out.length - 1]).toMatch(/^Import terminé : 0 solde\(s\) d'ouverture écrit\(s\), 3 déjà présent\(s\)/);
    expect(openings()).toHaveLength(3);
  });

  it('the sidecar counts the imported balances like any entry of the ERP', async () => {
    const tickets = await place.tickets({}, () => NOW);
    // Loaded at start from the ERP; an import while it runs reaches it by webhook or reconciliation.
    const balance = await tickets.service.balance(place.member('alice'));
    expect(balance.packs).toEqual([
      { packType: HALF_DAYS.name, unit: 'half_day', tickets: 7, byExpiry: [{ expiresOn: '2027-03-31', tickets: 7 }], awaitingExpiry: 0 },
    ]);
  });

  it('says what is missing when run without a file or an ERP', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTicketsImportCli([], {}, { out: (line) => out.push(line), err: (line) => err.push(line) }, dir);
    expect(code).toBe(2);
    expect(err.slice(0, 4)).toEqual([
      '--file missing: the CSV file to import',
      'ERP URL missing: pass --url or set ERP_URL',
      'API key missing: pass --api-key or set ERP_API_KEY',
      'API secret missing: pass --api-secret or set ERP_API_SECRET',
    ]);
  });
});
