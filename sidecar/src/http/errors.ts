import type { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError, UnavailableError } from '../booking/contract';
import type { Bilingual, Lang, Reason, TicketReason } from '../domain';
import { ErpError, ErpUnavailableError } from '../erp';

/**
 * An answer other than success, as the API sends it: `{error: {code, message, details?}}` with the message in the
 * language the client asked for. Handlers throw it; the route machinery turns it into the response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly text: Bilingual,
    readonly details?: Record<string, unknown>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(text.en);
  }

  body(lang: Lang): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.text[lang], ...(this.details ? { details: this.details } : {}) } };
  }
}

const both = (fr: string, en: string): Bilingual => ({ fr, en });

/** The client's language: English when it prefers it, French otherwise (the places are French). */
export function languageOf(acceptsLanguages: (...langs: string[]) => string | false): Lang {
  return acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
}

/** Why the domain says no: the booking rules' reasons and the ticket ledger's have the same shape. */
type DomainReason = Reason | TicketReason;

/**
 * The domain said no. The first reason's code is the error's code (the most basic problem comes first), every
 * reason is in `details.reasons` with its figures, and the message lists them all.
 */
export function refusal(reasons: readonly DomainReason[]): ApiError {
  const first = reasons[0];
  const text = both(reasons.map((r) => r.fr).join(' ; '), reasons.map((r) => r.en).join('; '));
  return new ApiError(422, first?.code ?? 'REFUSED', reasons.length > 0 ? text : both('Demande refusée', 'Request refused'), {
    reasons: reasons.map((r) => ({ code: r.code, fr: r.fr, en: r.en, params: r.params })),
  });
}

/** What the domain accepted; a refusal is thrown as its 422. */
export function accepted<T>(outcome: { ok: true; value: T } | { ok: false; reasons: readonly DomainReason[] }): T {
  if (!outcome.ok) throw refusal(outcome.reasons);
  return outcome.value;
}

export interface NotFoundWording {
  code: string;
  text: Bilingual;
}

export function notFound(wording: NotFoundWording): ApiError {
  return new ApiError(404, wording.code, wording.text);
}

/** A part of the place that does not run in this sidecar (payments, tickets): 503, in case it is only starting. */
export function notRunning(code: string, text: Bilingual): ApiError {
  return new ApiError(503, code, text, undefined, { 'Retry-After': '30' });
}

export const BOOKING_NOT_FOUND: NotFoundWording = {
  code: 'BOOKING_NOT_FOUND',
  text: both('Réservation introuvable', 'Booking not found'),
};

/**
 * What the engine's errors mean for the client. A NotFoundError is worded by the route (a booking, a resource),
 * and says nothing more: another member's booking must look exactly like one that does not exist.
 */
export function fromEngineError(error: unknown, wording: NotFoundWording): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return notFound(wording);
  // A request the engine does not take (a payment mode not offered, an unknown customer): its own code and words.
  if (error instanceof InvalidRequestError) return new ApiError(422, error.code, error.text);
  if (error instanceof ForbiddenError) {
    return new ApiError(403, 'FORBIDDEN', both(`Action non autorisée : ${error.message}`, `Not allowed: ${error.message}`));
  }
  if (error instanceof ConflictError) {
    return new ApiError(
      409,
      'CONFLICT',
      both(
        `La réservation a changé entre-temps : rechargez-la et réessayez (${error.message})`,
        `The booking changed in the meantime: reload it and try again (${error.message})`,
      ),
    );
  }
  if (error instanceof UnavailableError) {
    return new ApiError(
      503,
      'UNAVAILABLE',
      both(
        `Service momentanément indisponible, réessayez dans ${error.retryAfterSeconds} s (${error.message})`,
        `Temporarily unavailable, try again in ${error.retryAfterSeconds} s (${error.message})`,
      ),
      undefined,
      { 'Retry-After': String(error.retryAfterSeconds) },
    );
  }
  if (error instanceof ErpUnavailableError) {
    return new ApiError(
      503,
      'ERP_UNAVAILABLE',
      both("L'ERP du lieu ne répond pas : réessayez dans un instant", "The place's ERP does not answer: try again in a moment"),
      undefined,
      { 'Retry-After': '10' },
    );
  }
  if (error instanceof ErpError) {
    return new ApiError(
      503,
      'ERP_ERROR',
      both(`L'ERP du lieu a répondu par une erreur (${error.status ?? 'sans statut'})`, `The place's ERP answered with an error (${error.status ?? 'no status'})`),
      undefined,
      { 'Retry-After': '10' },
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Validation failures, worded for people in both languages

export type InputPart = 'body' | 'query' | 'params' | 'headers';

const PART_WORDS: Record<InputPart, Bilingual> = {
  body: both('corps', 'body'),
  query: both('paramètre', 'query parameter'),
  params: both('chemin', 'path'),
  headers: both('en-tête', 'header'),
};

const TYPE_WORDS: Record<string, Bilingual> = {
  string: both('une chaîne de caractères', 'a string'),
  number: both('un nombre', 'a number'),
  int: both('un nombre entier', 'a whole number'),
  boolean: both('un booléen', 'a boolean'),
  object: both('un objet JSON', 'a JSON object'),
  array: both('une liste', 'a list'),
};

function describeIssue(issue: z.core.$ZodIssue): Bilingual {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return both('valeur manquante', 'missing value');
      const words = TYPE_WORDS[issue.expected] ?? both(issue.expected, issue.expected);
      return both(`${words.fr} est attendu(e)`, `${words.en} is expected`);
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string') return both(`au moins ${min} caractère(s)`, `at least ${min} character(s)`);
      if (issue.origin === 'array') return both(`au moins ${min} élément(s)`, `at least ${min} item(s)`);
      return issue.inclusive ? both(`au moins ${min}`, `at least ${min}`) : both(`plus de ${min}`, `more than ${min}`);
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return both(`au plus ${max} caractères`, `at most ${max} characters`);
      if (issue.origin === 'array') return both(`au plus ${max} éléments`, `at most ${max} items`);
      return issue.inclusive ? both(`au plus ${max}`, `at most ${max}`) : both(`moins de ${max}`, `less than ${max}`);
    }
    case 'invalid_format':
      if (issue.format === 'datetime') {
        return both(
          'date et heure ISO 8601 avec un décalage ou Z attendues, par exemple 2026-11-30T09:00:00+01:00 (sans décalage, l’heure est ambiguë)',
          'an ISO 8601 date-time with an offset or Z is expected, e.g. 2026-11-30T09:00:00+01:00 (without an offset the time is ambiguous)',
        );
      }
      if (issue.format === 'date') return both('date AAAA-MM-JJ attendue', 'a YYYY-MM-DD date is expected');
      return both(`format invalide (${issue.format})`, `invalid format (${issue.format})`);
    case 'unrecognized_keys':
      return both(`champ(s) inconnu(s) : ${issue.keys.join(', ')}`, `unknown field(s): ${issue.keys.join(', ')}`);
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return both(`une de ces valeurs est attendue : ${values}`, `one of these values is expected: ${values}`);
    }
    case 'custom': {
      const params: unknown = issue.params;
      if (isBilingual(params)) return params;
      return both(issue.message, issue.message);
    }
    case 'not_multiple_of':
      return both(`multiple de ${String(issue.divisor)} attendu`, `a multiple of ${String(issue.divisor)} is expected`);
    default:
      return both(issue.message, issue.message);
  }
}

function isBilingual(value: unknown): value is Bilingual {
  return typeof value === 'object' && value !== null && 'fr' in value && 'en' in value && typeof value.fr === 'string' && typeof value.en === 'string';
}

/** A custom zod issue's wording in both languages: `ctx.addIssue({ code: 'custom', ...bilingualIssue(fr, en) })`. */
export function bilingualIssue(fr: string, en: string): { message: string; params: Bilingual } {
  return { message: en, params: both(fr, en) };
}

/** Parse with `{ reportInput: true }`: a missing value is told apart from one of the wrong type by the input. */
export function validationError(part: InputPart, error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const text = describeIssue(issue);
    return { location: part, path, fr: text.fr, en: text.en };
  });
  const where = (lang: Lang, issue: (typeof issues)[number]): string => {
    const part = PART_WORDS[issue.location][lang];
    if (!issue.path) return part;
    return lang === 'fr' ? `${part} « ${issue.path} »` : `${part} "${issue.path}"`;
  };
  const sentence = (lang: Lang): string => {
    const colon = lang === 'fr' ? ' : ' : ': ';
    const parts = issues.map((issue) => `${where(lang, issue)}${colon}${issue[lang]}`);
    return (lang === 'fr' ? 'Requête invalide : ' : 'Invalid request: ') + parts.join(lang === 'fr' ? ' ; ' : '; ');
  };
  return new ApiError(400, 'INVALID_REQUEST', both(sentence('fr'), sentence('en')), { issues });
}
