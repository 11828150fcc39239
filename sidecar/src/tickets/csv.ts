import { expiryFor, isLocalDate, type Bilingual, type LedgerEntry, type LocalDate, type TicketPackType } from '../domain';

/**
 * Opening balances: the tickets places count by hand today, brought in from a spreadsheet.
 *
 * The file: a header line, then one line per member and pack, columns
 *   customer ; pack type ; quantity ; expires on ; reason (optional)
 * (French or English headers, any case or accents), separated by `;` (what French spreadsheets
 * write) or `,` (whichever the header uses), UTF-8 with or without a BOM, fields in double quotes
 * when they hold the separator, a quote ("") or a line break. Blank lines are skipped.
 *
 * Each line is checked: a customer the caller knows, a pack type that exists, a quantity that is a
 * whole number of tickets above 0, an expiry date that is real (YYYY-MM-DD or DD/MM/YYYY) and not
 * past. An empty expiry date means the pack type's validity counted from the import date (never,
 * for a pack that does not expire). Nothing is accepted when any line is bad, unless the caller
 * asks to skip bad lines; every bad line is reported with its line number in the file.
 *
 * Each line becomes a credit opening a lot, keyed by customer, pack type and expiry date: importing
 * the same file again credits nothing more. Two lines with the same key are refused (the second one
 * names the first), since adding them up silently could hide a line typed twice.
 */

export const CSV_ERROR_CODES = [
  'EMPTY_FILE',
  'MISSING_COLUMN',
  'DUPLICATE_COLUMN',
  'UNCLOSED_QUOTE',
  'TEXT_AFTER_QUOTE',
  'TOO_MANY_FIELDS',
  'MISSING_VALUE',
  'UNKNOWN_CUSTOMER',
  'UNKNOWN_PACK_TYPE',
  'BAD_QUANTITY',
  'BAD_DATE',
  'ALREADY_EXPIRED',
  'DUPLICATE_LINE',
] as const;

export type CsvErrorCode = (typeof CSV_ERROR_CODES)[number];

export interface CsvLineError extends Bilingual {
  /** Line of the file, counting the header as line 1 (where the record starts, for a quoted field spanning lines). */
  readonly line: number;
  readonly code: CsvErrorCode;
}

export interface OpeningBalanceOptions {
  /** The ERP Customer a line's text names (its name, or whatever the caller accepts), or undefined. */
  readonly findCustomer: (text: string) => string | undefined;
  readonly packTypes: readonly TicketPackType[];
  /** The import date: posting date of the entries, and the day expiry dates are checked against. */
  readonly today: LocalDate;
  /** Accept the good lines even when some are bad (the bad ones are still reported). */
  readonly skipBadLines?: boolean;
}

export interface OpeningBalanceLine {
  readonly line: number;
  readonly entry: LedgerEntry;
}

export type OpeningBalanceResult =
  | {
      readonly ok: true;
      readonly entries: readonly LedgerEntry[];
      /** The entries with the line each came from. */
      readonly lines: readonly OpeningBalanceLine[];
      /** Bad lines left out (only with skipBadLines). */
      readonly skipped: readonly CsvLineError[];
    }
  | { readonly ok: false; readonly errors: readonly CsvLineError[] };

type Column = 'customer' | 'packType' | 'quantity' | 'expiresOn' | 'reason';

const REQUIRED: readonly Column[] = ['customer', 'packType', 'quantity', 'expiresOn'];

const COLUMN_LABEL: Record<Column, Bilingual> = {
  customer: { fr: 'client', en: 'customer' },
  packType: { fr: 'type de carnet', en: 'pack type' },
  quantity: { fr: 'quantité', en: 'quantity' },
  expiresOn: { fr: "date d'expiration", en: 'expires on' },
  reason: { fr: 'motif', en: 'reason' },
};

/** Lower case, no accents, words separated by single spaces: "Date d’expiration" → "date d expiration". */
function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const HEADERS: Record<string, Column> = Object.fromEntries(
  (
    [
      ['customer', ['customer', 'client', 'adherent', 'membre', 'member', 'customer name']],
      ['packType', ['pack type', 'pack', 'carnet', 'type de carnet', 'pack type name', 'type']],
      ['quantity', ['quantity', 'quantite', 'qty', 'tickets', 'nombre de tickets', 'nombre', 'solde']],
      ['expiresOn', ['expires on', 'expiry', 'expiry date', 'expiration', 'date d expiration', 'expire le', 'valable jusqu au', 'expires']],
      ['reason', ['reason', 'motif', 'raison', 'commentaire', 'comment', 'note']],
    ] as const
  ).flatMap(([column, names]) => names.map((name) => [name, column] as const)),
);

interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

type Tokenised = { readonly records: CsvRecord[]; readonly error?: undefined } | { readonly records: CsvRecord[]; readonly error: CsvLineError };

function detectSeparator(text: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ';') semicolons++;
    else if (!quoted && char === ',') commas++;
  }
  return semicolons >= commas && semicolons > 0 ? ';' : ',';
}

/** RFC 4180 records, with the line each one starts on. A malformed quote stops the reading there. */
function tokenise(text: string, separator: string): Tokenised {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i];
    if (char === '"' && field === '') {
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          return { records, error: csvError(openedOn, 'UNCLOSED_QUOTE', {
            fr: 'guillemet ouvert jamais fermé : la suite du fichier ne peut pas être lue',
            en: 'a quote is opened and never closed: the rest of the file cannot be read',
          }) };
        }
        const c = text[i];
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c ?? '';
          i++;
        }
      }
      const next = text[i];
      if (next !== undefined && next !== separator && next !== '\n' && next !== '\r') {
        return {
          records,
          error: csvError(line, 'TEXT_AFTER_QUOTE', {
            fr: `texte après un champ entre guillemets (« ${field} ») : la suite du fichier ne peut pas être lue`,
            en: `text after a quoted field ("${field}"): the rest of the file cannot be read`,
          }),
        };
      }
      // A quoted empty field must still count as a field, even though `field` is empty again.
      if (next === separator) {
        fields.push(field);
        field = '';
        i++;
        if (i >= text.length) endRecord();
      }
      continue;
    }
    if (char === separator) {
      fields.push(field);
      field = '';
      i++;
      if (i >= text.length) endRecord();
      continue;
    }
    if (char === '\r' || char === '\n') {
      endRecord();
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += char ?? '';
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { records };
}

function csvError(line: number, code: CsvErrorCode, what: Bilingual): CsvLineError {
  return { line, code, fr: `Ligne ${line} : ${what.fr}`, en: `Line ${line}: ${what.en}` };
}

/**
 * How a line's customer text finds the ERP Customer: its name (the ERP's id) as written, else the
 * one Customer whose name or customer name reads the same without case or accents ("zoe martin"
 * for "Zoé Martin"). Two Customers reading the same match neither: the line is reported unknown
 * rather than credited to the wrong member.
 */
export function customerFinder(customers: readonly { name: string; customerName?: string | null | undefined }[]): (text: string) => string | undefined {
  const byName = new Set(customers.map((c) => c.name));
  const byLoose = new Map<string, Set<string>>();
  for (const customer of customers) {
    for (const label of [customer.name, customer.customerName ?? '']) {
      if (label.trim() === '') continue;
      const key = normalise(label);
      const names = byLoose.get(key) ?? new Set<string>();
      names.add(customer.name);
      byLoose.set(key, names);
    }
  }
  return (text) => {
    const trimmed = text.trim();
    if (byName.has(trimmed)) return trimmed;
    const names = byLoose.get(normalise(trimmed));
    return names?.size === 1 ? [...names][0] : undefined;
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const FRENCH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** "2026-12-31" or "31/12/2026" → "2026-12-31"; undefined when not a real date in either form. */
export function parseCsvDate(text: string): LocalDate | undefined {
  const trimmed = text.trim();
  if (ISO_DATE.test(trimmed)) return isLocalDate(trimmed) ? trimmed : undefined;
  const french = FRENCH_DATE.exec(trimmed);
  if (!french?.[1] || !french[2] || !french[3]) return undefined;
  const date = `${french[3]}-${french[2].padStart(2, '0')}-${french[1].padStart(2, '0')}`;
  return isLocalDate(date) ? date : undefined;
}

const frenchDate = (date: LocalDate): string => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;

export const openingKey = (customer: string, packType: string, expiresOn: LocalDate | undefined): string =>
  `opening:${customer}:${packType}:${expiresOn ?? 'never'}`;

export function parseOpeningBalances(text: string, options: OpeningBalanceOptions): OpeningBalanceResult {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const separator = detectSeparator(body);
  const { records, error } = tokenise(body, separator);
  const errors: CsvLineError[] = [];
  const rows = records.filter((r) => r.fields.some((f) => f.trim() !== ''));
  const header = rows[0];
  if (!header) {
    return { ok: false, errors: [csvError(1, 'EMPTY_FILE', { fr: 'le fichier est vide (une ligne d’en-tête est attendue)', en: 'the file is empty (a header line is expected)' })] };
  }

  const columns = new Map<Column, number>();
  header.fields.forEach((name, index) => {
    const column = HEADERS[normalise(name)];
    if (!column) return;
    if (columns.has(column)) {
      errors.push(
        csvError(header.line, 'DUPLICATE_COLUMN', {
          fr: `la colonne « ${COLUMN_LABEL[column].fr} » apparaît deux fois`,
          en: `column "${COLUMN_LABEL[column].en}" appears twice`,
        }),
      );
    }
    columns.set(column, index);
  });
  const missing = REQUIRED.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    errors.push(
      csvError(header.line, 'MISSING_COLUMN', {
        fr: `colonne${missing.length > 1 ? 's' : ''} manquante${missing.length > 1 ? 's' : ''} : ${missing.map((c) => COLUMN_LABEL[c].fr).join(', ')} (en-tête lu : ${header.fields.join(separator)})`,
        en: `missing column${missing.length > 1 ? 's' : ''}: ${missing.map((c) => COLUMN_LABEL[c].en).join(', ')} (header read: ${header.fields.join(separator)})`,
      }),
    );
  }
  if (errors.length > 0) return { ok: false, errors };

  const packs = options.packTypes;
  const findPack = (text: string): TicketPackType | undefined =>
    packs.find((p) => p.name === text) ?? packs.find((p) => normalise(p.name) === normalise(text));
  const firstLineOf = new Map<string, number>();
  const accepted: OpeningBalanceLine[] = [];
  const lineErrors: CsvLineError[] = [];

  for (const record of rows.slice(1)) {
    const problems: CsvLineError[] = [];
    const bad = (code: CsvErrorCode, what: Bilingual) => problems.push(csvError(record.line, code, what));
    if (record.fields.length > header.fields.length) {
      bad('TOO_MANY_FIELDS', {
        fr: `${record.fields.length} champs pour ${header.fields.length} colonnes (une valeur contenant « ${separator} » doit être entre guillemets)`,
        en: `${record.fields.length} fields for ${header.fields.length} columns (a value holding "${separator}" must be in quotes)`,
      });
      lineErrors.push(...problems);
      continue;
    }
    const value = (column: Column): string => {
      const index = columns.get(column);
      return index === undefined ? '' : (record.fields[index] ?? '').trim();
    };
    const required = (column: Column): string | undefined => {
      const text = value(column);
      if (text === '') bad('MISSING_VALUE', { fr: `${COLUMN_LABEL[column].fr} manquant(e)`, en: `${COLUMN_LABEL[column].en} missing` });
      return text === '' ? undefined : text;
    };

    const customerText = required('customer');
    const customer = customerText === undefined ? undefined : options.findCustomer(customerText);
    if (customerText !== undefined && customer === undefined) {
      bad('UNKNOWN_CUSTOMER', { fr: `client inconnu dans l’ERP : « ${customerText} »`, en: `customer unknown to the ERP: "${customerText}"` });
    }
    const packText = required('packType');
    const pack = packText === undefined ? undefined : findPack(packText);
    if (packText !== undefined && pack === undefined) {
      bad('UNKNOWN_PACK_TYPE', {
        fr: `type de carnet inconnu : « ${packText} » (connus : ${packs.map((p) => p.name).join(', ') || 'aucun'})`,
        en: `unknown pack type: "${packText}" (known: ${packs.map((p) => p.name).join(', ') || 'none'})`,
      });
    }
    const quantityText = required('quantity');
    const quantity = quantityText !== undefined && /^\d+$/.test(quantityText) ? Number(quantityText) : NaN;
    if (quantityText !== undefined && !(Number.isSafeInteger(quantity) && quantity > 0)) {
      bad('BAD_QUANTITY', {
        fr: `quantité « ${quantityText} » invalide : un nombre entier de tickets supérieur à 0 est attendu`,
        en: `invalid quantity "${quantityText}": a whole number of tickets above 0 is expected`,
      });
    }
    const dateText = value('expiresOn');
    let expiresOn: LocalDate | undefined;
    if (dateText !== '') {
      expiresOn = parseCsvDate(dateText);
      if (expiresOn === undefined) {
        bad('BAD_DATE', {
          fr: `date d’expiration « ${dateText} » invalide : une date réelle au format JJ/MM/AAAA ou AAAA-MM-JJ est attendue`,
          en: `invalid expiry date "${dateText}": a real date written DD/MM/YYYY or YYYY-MM-DD is expected`,
        });
      } else if (expiresOn < options.today) {
        bad('ALREADY_EXPIRED', {
          fr: `date d’expiration ${frenchDate(expiresOn)} déjà passée (import du ${frenchDate(options.today)})`,
          en: `expiry date ${expiresOn} is already past (import of ${options.today})`,
        });
      }
    } else if (pack) {
      expiresOn = expiryFor(pack, options.today);
    }

    if (problems.length > 0 || customer === undefined || pack === undefined) {
      lineErrors.push(...problems);
      continue;
    }
    const key = openingKey(customer, pack.name, expiresOn);
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      lineErrors.push(
        csvError(record.line, 'DUPLICATE_LINE', {
          fr: `même client, même carnet et même date d’expiration qu’à la ligne ${first} : mettez le total sur une seule ligne`,
          en: `same customer, pack type and expiry date as line ${first}: put the total on one line`,
        }),
      );
      continue;
    }
    firstLineOf.set(key, record.line);
    const reason = value('reason');
    accepted.push({
      line: record.line,
      entry: {
        key,
        customer,
        packType: pack.name,
        type: 'credit',
        quantity,
        postingDate: options.today,
        ...(expiresOn === undefined ? {} : { expiresOn }),
        reason: reason === '' ? "Solde d'ouverture (import)" : reason,
      },
    });
  }

  // After a malformed quote the rest of the file cannot be split into lines reliably: the file is
  // refused whatever the caller asked, rather than importing a part of it.
  if (error) return { ok: false, errors: [...lineErrors, error] };
  if (lineErrors.length > 0 && options.skipBadLines !== true) return { ok: false, errors: lineErrors };
  return { ok: true, entries: accepted.map((a) => a.entry), lines: accepted, skipped: lineErrors };
}
