import { balance, withEntries, type TicketPackType } from '../../../sidecar/src/domain';
import { customerFinder, parseCsvDate, parseOpeningBalances, type OpeningBalanceOptions } from '../../../sidecar/src/tickets/csv';
import { DAYS, HALF_DAYS, HOURS } from '../domain/tickets-fixtures';

const CUSTOMERS = new Map([
  ['Atelier Dupont', 'Atelier Dupont'],
  ['Zoé Martin', 'CUST-2026-00012'],
  ['Acme SARL', 'Acme SARL'],
]);

const options = (extra: Partial<OpeningBalanceOptions> = {}): OpeningBalanceOptions => ({
  findCustomer: (text) => CUSTOMERS.get(text),
  packTypes: [HALF_DAYS, HOURS, DAYS] as TicketPackType[],
  today: '2026-11-28',
  ...extra,
});

function accepted(text: string, extra: Partial<OpeningBalanceOptions> = {}) {
  const result = parseOpeningBalances(text, options(extra));
  if (!result.ok) throw new Error(result.errors.map((e) => e.en).join('\n'));
  return result;
}

function refused(text: string, extra: Partial<OpeningBalanceOptions> = {}) {
  const result = parseOpeningBalances(text, options(extra));
  if (result.ok) throw new Error('accepted');
  return result.errors;
}

describe('opening balances from a CSV file', () => {
  it('reads a French spreadsheet export: BOM, semicolons, French headers and dates, CRLF', () => {
    const text = '\uFEFFClient;Type de carnet;Quantité;Date d’expiration;Motif\r\nZoé Martin;Coworking 10 demi-journées;7;31/03/2027;carnet papier n°12\r\nAtelier Dupont;Machines 20 heures;12;2027-01-15;\r\n';
    const result = accepted(text);
    expect(result.entries).toEqual([
      {
        key: 'opening:CUST-2026-00012:Coworking 10 demi-journées:2027-03-31',
        customer: 'CUST-2026-00012',
        packType: HALF_DAYS.name,
        type: 'credit',
        quantity: 7,
        postingDate: '2026-11-28',
        expiresOn: '2027-03-31',
        reason: 'carnet papier n°12',
      },
      {
        key: 'opening:Atelier Dupont:Machines 20 heures:2027-01-15',
        customer: 'Atelier Dupont',
        packType: HOURS.name,
        type: 'credit',
        quantity: 12,
        postingDate: '2026-11-28',
        expiresOn: '2027-01-15',
        reason: "Solde d'ouverture (import)",
      },
    ]);
    expect(result.lines.map((l) => l.line)).toEqual([2, 3]);
    expect(balance(result.entries.filter((e) => e.customer === 'Atelier Dupont'), '2026-11-28').packs[0]?.tickets).toBe(12);
  });

  it('reads an English export with commas, quoted fields holding commas, quotes and line breaks', () => {
    const text = [
      'customer,pack type,quantity,expires on,reason',
      '"Acme SARL","Coworking 10 journées",3,2027-06-30,"counted by hand, ""box 3""',
      'second line of the note"',
      'Atelier Dupont,Coworking 10 journées,1,2027-06-30,',
    ].join('\n');
    const result = accepted(text);
    expect(result.entries.map((e) => [e.customer, e.quantity, e.reason])).toEqual([
      ['Acme SARL', 3, 'counted by hand, "box 3"\nsecond line of the note'],
      ['Atelier Dupont', 1, "Solde d'ouverture (import)"],
    ]);
    expect(result.lines.map((l) => l.line)).toEqual([2, 4]);
  });

  it('refuses a file with a bad line, naming the line, and accepts nothing', () => {
    const text = ['client;carnet;quantité;expiration', 'Zoé Martin;Coworking 10 demi-journées;7;31/03/2027', 'Acme SARL;Coworking 10 demi-journées;2,5;31/03/2027', 'Atelier Dupont;Coworking 10 demi-journées;4;31/03/2027'].join('\n');
    expect(refused(text)).toEqual([
      {
        line: 3,
        code: 'BAD_QUANTITY',
        fr: 'Ligne 3 : quantité « 2,5 » invalide : un nombre entier de tickets supérieur à 0 est attendu',
        en: 'Line 3: invalid quantity "2,5": a whole number of tickets above 0 is expected',
      },
    ]);
  });

  it('reports every bad line, each with its number and what is wrong, in French and English', () => {
    const text = [
      'client;carnet;quantité;expiration',
      'Inconnu SAS;Coworking 10 demi-journées;3;31/03/2027',
      'Zoé Martin;Carnet disparu;3;31/03/2027',
      'Zoé Martin;Coworking 10 demi-journées;0;31/03/2027',
      'Zoé Martin;Coworking 10 journées;3;31/02/2027',
      'Zoé Martin;Machines 20 heures;3;01/11/2026',
      ';Coworking 10 journées;3;2027-01-01',
      '',
      'Acme SARL;Coworking 10 journées;3;2027-01-01;motif;en trop',
    ].join('\n');
    const errors = refused(text);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'UNKNOWN_CUSTOMER'],
      [3, 'UNKNOWN_PACK_TYPE'],
      [4, 'BAD_QUANTITY'],
      [5, 'BAD_DATE'],
      [6, 'ALREADY_EXPIRED'],
      [7, 'MISSING_VALUE'],
      [9, 'TOO_MANY_FIELDS'],
    ]);
    expect(errors[1]?.en).toBe('Line 3: unknown pack type: "Carnet disparu" (known: Coworking 10 demi-journées, Machines 20 heures, Coworking 10 journées)');
    expect(errors[3]?.fr).toBe('Ligne 5 : date d’expiration « 31/02/2027 » invalide : une date réelle au format JJ/MM/AAAA ou AAAA-MM-JJ est attendue');
    expect(errors[4]?.en).toBe('Line 6: expiry date 2026-11-01 is already past (import of 2026-11-28)');
  });

  it('keeps the good lines when asked to skip bad ones, still reporting them', () => {
    const text = ['client;carnet;quantité;expiration', 'Zoé Martin;Coworking 10 demi-journées;7;31/03/2027', 'Acme SARL;Coworking 10 demi-journées;-2;31/03/2027'].join('\n');
    const result = accepted(text, { skipBadLines: true });
    expect(result.entries.map((e) => e.customer)).toEqual(['CUST-2026-00012']);
    expect(result.skipped.map((e) => [e.line, e.code])).toEqual([[3, 'BAD_QUANTITY']]);
  });

  it('refuses a header without the needed columns, listing them', () => {
    expect(refused('nom;nombre\nZoé Martin;3')).toEqual([
      {
        line: 1,
        code: 'MISSING_COLUMN',
        fr: "Ligne 1 : colonnes manquantes : client, type de carnet, date d'expiration (en-tête lu : nom;nombre)",
        en: 'Line 1: missing columns: customer, pack type, expires on (header read: nom;nombre)',
      },
    ]);
    expect(refused('')[0]?.code).toBe('EMPTY_FILE');
    expect(refused('client;client;carnet;quantité;expiration\n')[0]?.code).toBe('DUPLICATE_COLUMN');
  });

  it('refuses the whole file after a broken quote, even when skipping bad lines', () => {
    const text = ['client;carnet;quantité;expiration', 'Zoé Martin;Coworking 10 demi-journées;7;31/03/2027', '"Acme SARL;Coworking 10 demi-journées;2;31/03/2027'].join('\n');
    const errors = refused(text, { skipBadLines: true });
    expect(errors.map((e) => [e.line, e.code])).toEqual([[3, 'UNCLOSED_QUOTE']]);
    expect(refused('client;carnet;quantité;expiration\n"Acme" SARL;x;1;2027-01-01')[0]?.code).toBe('TEXT_AFTER_QUOTE');
  });

  it('refuses the same customer, pack and expiry twice, naming the first line', () => {
    const text = ['client;carnet;quantité;expiration', 'Zoé Martin;Coworking 10 demi-journées;7;31/03/2027', 'Zoé Martin;Coworking 10 demi-journées;2;2027-03-31'].join('\n');
    expect(refused(text)).toMatchObject([{ line: 3, code: 'DUPLICATE_LINE', en: 'Line 3: same customer, pack type and expiry date as line 2: put the total on one line' }]);
  });

  it('gives a line without an expiry date the pack’s validity from the import date', () => {
    const text = 'client;carnet;quantité;expiration\nZoé Martin;coworking 10 DEMI-JOURNEES;7;\nAcme SARL;Machines 20 heures;1;';
    const result = accepted(text, { packTypes: [HALF_DAYS, { ...HOURS, validityDays: 0 }] });
    expect(result.entries.map((e) => [e.packType, e.expiresOn])).toEqual([
      [HALF_DAYS.name, '2027-11-28'],
      [HOURS.name, undefined],
    ]);
  });

  it('imports the same file twice as once', () => {
    const text = 'client;carnet;quantité;expiration\nZoé Martin;Coworking 10 demi-journées;7;31/03/2027';
    const once = accepted(text).entries;
    const twice = withEntries(once, accepted(text, { today: '2026-11-29' }).entries);
    expect(balance(twice, '2026-11-29').packs[0]?.tickets).toBe(7);
  });

  it('reads dates in both forms and only real ones', () => {
    expect(parseCsvDate('2027-02-28')).toBe('2027-02-28');
    expect(parseCsvDate(' 1/2/2027 ')).toBe('2027-02-01');
    expect(parseCsvDate('29/02/2028')).toBe('2028-02-29');
    expect(parseCsvDate('29/02/2027')).toBeUndefined();
    expect(parseCsvDate('2027-13-01')).toBeUndefined();
    expect(parseCsvDate('02/01/27')).toBeUndefined();
  });
});

describe('finding the customer a line names', () => {
  const find = customerFinder([
    { name: 'CUST-2026-00012', customerName: 'Zoé Martin' },
    { name: 'Atelier Dupont', customerName: 'Atelier Dupont' },
    { name: 'Léo Petit', customerName: 'Léo Petit' },
    { name: 'Léo Petit - 1', customerName: 'Léo Petit' },
  ]);

  it('takes the ERP name as written, or the one customer whose name reads the same without case or accents', () => {
    expect(find('CUST-2026-00012')).toBe('CUST-2026-00012');
    expect(find('zoe martin')).toBe('CUST-2026-00012');
    expect(find(' ATELIER DUPONT ')).toBe('Atelier Dupont');
    expect(find('Léo Petit - 1')).toBe('Léo Petit - 1');
  });

  it('matches no one when two customers read the same or none does, so that no line is credited to the wrong member', () => {
    expect(find('leo petit')).toBeUndefined();
    expect(find('Inconnu SARL')).toBeUndefined();
  });
});
