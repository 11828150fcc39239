import { z } from 'zod';
import { localDateOf, localDateText, ticketsText, type Lang } from '../domain';
import { ErpError, type ErpPort } from '../erp';
import type { Logger } from '../log';
import { readPackTypes } from './catalog';
import { customerFinder, parseOpeningBalances, type CsvLineError } from './csv';
import { checkKeyLength, TicketKeyTooLongError } from './erp-doc';
import { writeLedgerEntry } from './writer';

/**
 * Opening balances into the ERP's ledger: the tickets places count by hand today, from a CSV file.
 * Each good line becomes a submitted Credit entry keyed by customer, pack type and expiry date, so
 * a second run writes nothing more. Nothing is written when a line is bad, unless asked to skip bad
 * lines; `dryRun` writes nothing at all. The sidecar learns of the entries as of any entry typed in
 * the ERP (webhook, reconciliation). Every step prints one line.
 */

export interface ImportOptions {
  erp: ErpPort;
  text: string;
  /** The file's name, for the messages. */
  file: string;
  /** The place's zone: the import date and the validity of lines without an expiry date. */
  timeZone: string;
  now: number;
  dryRun: boolean;
  skipBadLines: boolean;
  lang: Lang;
  print: (line: string) => void;
  logger: Logger;
  /** A progress line every this many entries written (default 10). */
  progressEvery?: number;
}

export interface ImportReport {
  /** False when nothing (more) could be written: bad lines without --skip-bad-lines, or the ERP failing. */
  ok: boolean;
  lines: number;
  badLines: number;
  written: number;
  alreadyThere: number;
}

const customerRow = z.looseObject({ name: z.string(), customer_name: z.string().nullish() });

const say = (lang: Lang, fr: string, en: string): string => (lang === 'fr' ? fr : en);

export async function importOpeningBalances(options: ImportOptions): Promise<ImportReport> {
  const { erp, lang, print } = options;
  const today = localDateOf(options.now, options.timeZone);
  const customers = await erp.listAll('Customer', { fields: ['name', 'customer_name'], pageSize: 500, schema: customerRow });
  const packTypes = await readPackTypes(erp, (name, error) => print(say(lang, `Attention : type de carnet « ${name} » ignoré (${error})`, `Warning: pack type "${name}" left out (${error})`)));
  const result = parseOpeningBalances(options.text, {
    findCustomer: customerFinder(customers.map((c) => ({ name: c.name, customerName: c.customer_name }))),
    packTypes,
    today,
    skipBadLines: options.skipBadLines,
  });
  const report = (errors: readonly CsvLineError[]): void => {
    for (const error of errors) print(error[lang]);
  };
  if (!result.ok) {
    report(result.errors);
    print(
      say(
        lang,
        `${options.file} : rien n'a été écrit, ${String(result.errors.length)} erreur(s). Corrigez le fichier, ou relancez avec --skip-bad-lines pour importer les lignes valides.`,
        `${options.file}: nothing was written, ${String(result.errors.length)} error(s). Fix the file, or run again with --skip-bad-lines to import the valid lines.`,
      ),
    );
    return { ok: false, lines: 0, badLines: result.errors.length, written: 0, alreadyThere: 0 };
  }
  report(result.skipped);
  const badLines = new Set(result.skipped.map((error) => error.line)).size;
  const unitOf = new Map(packTypes.map((pack) => [pack.name, pack.unit]));
  const describe = (line: number, entry: (typeof result.lines)[number]['entry']): string => {
    const unit = unitOf.get(entry.packType);
    const amount = unit ? ticketsText(entry.quantity, unit, lang) : `${String(entry.quantity)} ticket(s)`;
    const until = entry.expiresOn ? say(lang, `valables jusqu'au ${localDateText(entry.expiresOn, lang)}`, `valid until ${localDateText(entry.expiresOn, lang)}`) : say(lang, 'sans expiration', 'never expire');
    return say(lang, `Ligne ${String(line)} : ${entry.customer}, ${amount} « ${entry.packType} », ${until}`, `Line ${String(line)}: ${entry.customer}, ${amount} "${entry.packType}", ${until}`);
  };
  print(
    say(
      lang,
      `${options.file} : ${String(result.lines.length)} ligne(s) à importer${badLines > 0 ? `, ${String(badLines)} ligne(s) en erreur laissée(s) de côté` : ''}.`,
      `${options.file}: ${String(result.lines.length)} line(s) to import${badLines > 0 ? `, ${String(badLines)} bad line(s) left out` : ''}.`,
    ),
  );
  if (options.dryRun) {
    for (const { line, entry } of result.lines) print(describe(line, entry));
    print(say(lang, 'Essai à blanc (--dry-run) : rien n’a été écrit dans l’ERP.', 'Dry run (--dry-run): nothing was written to the ERP.'));
    return { ok: true, lines: result.lines.length, badLines, written: 0, alreadyThere: 0 };
  }

  const every = options.progressEvery ?? 10;
  let written = 0;
  let alreadyThere = 0;
  for (const [index, { line, entry }] of result.lines.entries()) {
    try {
      checkKeyLength(entry);
      const outcome = await writeLedgerEntry(erp, entry, {}, options.logger);
      if (outcome.existed) {
        alreadyThere++;
        print(say(lang, `Ligne ${String(line)} : déjà importée (${outcome.name})`, `Line ${String(line)}: already imported (${outcome.name})`));
      } else {
        written++;
      }
    } catch (error) {
      if (!(error instanceof ErpError) && !(error instanceof TicketKeyTooLongError)) throw error;
      print(say(lang, `Ligne ${String(line)} : non écrite, ${error.message}`, `Line ${String(line)}: not written, ${error.message}`));
      print(
        say(
          lang,
          `Arrêt après ${String(written)} écriture(s) : relancez la même commande une fois le problème réglé (les lignes déjà écrites ne le seront pas deux fois).`,
          `Stopped after ${String(written)} write(s): run the same command again once the problem is fixed (lines already written are not written twice).`,
        ),
      );
      return { ok: false, lines: result.lines.length, badLines, written, alreadyThere };
    }
    const done = index + 1;
    if (done % every === 0 || done === result.lines.length) {
      print(say(lang, `… ${String(done)}/${String(result.lines.length)} ligne(s) traitée(s)`, `… ${String(done)}/${String(result.lines.length)} line(s) done`));
    }
  }
  print(
    say(
      lang,
      `Import terminé : ${String(written)} solde(s) d'ouverture écrit(s), ${String(alreadyThere)} déjà présent(s)${badLines > 0 ? `, ${String(badLines)} ligne(s) en erreur non importée(s)` : ''}.`,
      `Import done: ${String(written)} opening balance(s) written, ${String(alreadyThere)} already there${badLines > 0 ? `, ${String(badLines)} bad line(s) not imported` : ''}.`,
    ),
  );
  return { ok: true, lines: result.lines.length, badLines, written, alreadyThere };
}
