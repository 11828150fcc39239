import {
  decodeServerMessages,
  ErpAuthenticationError,
  ErpDuplicateError,
  ErpError,
  ErpInvalidResponseError,
  ErpNotFoundError,
  ErpPermissionError,
  ErpRateLimitedError,
  ErpServerError,
  ErpTimestampMismatchError,
  ErpUnavailableError,
  ErpValidationError,
  errorFromResponse,
  htmlToText,
  type ValidationKind,
} from '../../../sidecar/src/erp/errors';
import { loadAllRecordings, loadRecording, type Recording } from './support/recordings';

type ErrorClass = abstract new (...args: never[]) => ErpError;

/** Narrows after checking the class, so that a wrong class fails the test instead of a cast hiding it. */
function asClass<T extends ErpError>(error: ErpError, cls: abstract new (...args: never[]) => T): T {
  if (!(error instanceof cls)) throw new Error(`expected ${cls.name}, got ${error.name}: ${error.message}`);
  return error;
}

interface Expectation {
  cls: ErrorClass;
  kind?: ValidationKind;
}

/**
 * What each exc_type Frappe sends must become. A recording whose exc_type is missing here fails the
 * test below until someone decides what it means for the sidecar.
 */
const EXPECTED_BY_EXC_TYPE: Readonly<Record<string, Expectation>> = {
  DoesNotExistError: { cls: ErpNotFoundError },
  PermissionError: { cls: ErpPermissionError },
  AuthenticationError: { cls: ErpAuthenticationError },
  DuplicateEntryError: { cls: ErpDuplicateError },
  TimestampMismatchError: { cls: ErpTimestampMismatchError },
  MandatoryError: { cls: ErpValidationError, kind: 'mandatory' },
  LinkValidationError: { cls: ErpValidationError, kind: 'link' },
  UniqueValidationError: { cls: ErpValidationError, kind: 'unique' },
  UpdateAfterSubmitError: { cls: ErpValidationError, kind: 'updateAfterSubmit' },
  DocstatusTransitionError: { cls: ErpValidationError, kind: 'docstatusTransition' },
  LinkExistsError: { cls: ErpValidationError, kind: 'linkExists' },
  DataError: { cls: ErpValidationError, kind: 'dataError' },
  // A plain ValidationError is `select` only for a bad Select value (listed below), else `other`.
  ValidationError: { cls: ErpValidationError },
  CannotCreateStandardDoctypeError: { cls: ErpValidationError, kind: 'other' },
  JSONDecodeError: { cls: ErpServerError },
  ImportError: { cls: ErpServerError },
  AttributeError: { cls: ErpServerError },
  TypeError: { cls: ErpServerError },
  OperationalError: { cls: ErpServerError },
};

/** The recorded plain ValidationErrors that are about a Select value. */
const SELECT_CASES = new Set([
  'create_customer_invalid_select.json',
  'custom_doctype_insert_bad_select.json',
  // A DocField's fieldtype is a Select too.
  'doctype_create_bad_fieldtype.json',
]);

function excTypeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.exc_type === 'string') return record.exc_type;
  const errors = record.errors;
  if (Array.isArray(errors)) {
    const first: unknown = errors[0];
    if (typeof first === 'object' && first !== null && typeof (first as Record<string, unknown>).type === 'string') {
      return (first as Record<string, string>).type;
    }
  }
  return undefined;
}

function recordedMessageCount(body: unknown): number {
  const record = body as Record<string, unknown>;
  if (typeof record._server_messages === 'string') {
    return (JSON.parse(record._server_messages) as unknown[]).length;
  }
  if (Array.isArray(record.errors)) return record.errors.length;
  return 0;
}

function mapRecording(recording: Recording, subject = 'the request'): ErpError {
  const { response, request } = recording;
  return errorFromResponse(
    { status: response.status, headers: { 'content-type': response.headers['content-type'] }, body: response.body },
    {
      endpoint: { method: request.method, path: request.path },
      subject,
      isWrite: request.method !== 'GET',
      retryAfterMs: null,
    },
  );
}

const errorRecordings = loadAllRecordings().filter((r) => r.response.status >= 400);

describe('every recorded error response', () => {
  it('is found in the recordings (the table below is not empty by accident)', () => {
    expect(errorRecordings.length).toBeGreaterThanOrEqual(50);
  });

  it.each(errorRecordings.map((r) => [r.file, r] as const))('%s maps to the class its exc_type calls for', (_file, recording) => {
    const excType = excTypeOf(recording.response.body);
    expect(excType).toBeDefined();
    const expected = EXPECTED_BY_EXC_TYPE[excType ?? ''];
    if (expected === undefined) {
      throw new Error(`${recording.file}: exc_type ${String(excType)} has no expected class; add it to EXPECTED_BY_EXC_TYPE`);
    }
    const error = mapRecording(recording);

    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(expected.cls);
    expect(error.name).toBe(expected.cls.name);
    expect(error.status).toBe(recording.response.status);
    expect(error.excType).toBe(excType);
    expect(error.endpoint).toEqual({ method: recording.request.method, path: recording.request.path });
    expect(error.messages).toHaveLength(recordedMessageCount(recording.response.body));
    expect(error.isRetryable).toBe(false);
    for (const message of error.messages) expect(message.text).not.toMatch(/<\/?[a-z]+[^>]*>/i);
    expect(error.message).not.toMatch(/<\/?(strong|details|summary|a)\b/i);
    // The readable message says what the ERP said, not just a status code.
    const firstText = error.messages[0]?.text;
    if (firstText !== undefined) expect(error.message).toContain(firstText.slice(0, 200));

    if (error instanceof ErpValidationError) {
      const kind = expected.kind ?? (SELECT_CASES.has(recording.file) ? 'select' : 'other');
      expect(error.kind).toBe(kind);
    }
  });
});

describe('the readable message', () => {
  it('names the subject and the first server message', () => {
    const error = mapRecording(loadRecording('create_item_missing_mandatory'), 'Item SRV-X');
    expect(error.message).toBe('ERP refused Item SRV-X: Error: Value missing for Item: Item Group');
  });

  it('falls back on the exception summary when there is no _server_messages', () => {
    const error = mapRecording(loadRecording('update_submitted_back_to_draft'), 'Sales Invoice ACC-SINV-2026-00001');
    expect(error.message).toBe(
      'ERP refused Sales Invoice ACC-SINV-2026-00001: Cannot change docstatus from 1 (Submitted) to 0 (Draft)',
    );
  });

  it('uses the login answer for a wrong password', () => {
    const error = mapRecording(loadRecording('auth_login_wrong_password'), 'a member login');
    expect(error).toBeInstanceOf(ErpAuthenticationError);
    expect(error.message).toBe('ERP rejected the credentials for a member login: Invalid login credentials');
  });

  it('keeps the exception type of a server crash', () => {
    const error = mapRecording(loadRecording('create_unknown_doctype'), 'a new No Such Doctype');
    expect(error.message).toBe(
      "ERP failed on a new No Such Doctype: ImportError: No module named 'frappe.core.doctype.no_such_doctype'",
    );
  });

  it('says which status a body-less 404 had', () => {
    const error = mapRecording(loadRecording('delete_missing_404'), 'Sales Invoice ACC-SINV-2026-00003');
    expect(error).toBeInstanceOf(ErpNotFoundError);
    expect(error.message).toBe('ERP refused Sales Invoice ACC-SINV-2026-00003: DoesNotExistError (HTTP 404)');
  });
});

describe('details carried by the errors', () => {
  it('lists the missing fields of a MandatoryError', () => {
    const one = mapRecording(loadRecording('create_item_missing_mandatory'));
    const many = mapRecording(loadRecording('update_submitted_items'));
    expect(one).toBeInstanceOf(ErpValidationError);
    expect(asClass(one, ErpValidationError).fields).toEqual(['item_group']);
    expect(asClass(many, ErpValidationError).fields).toEqual([
      'item_name',
      'uom',
      'conversion_factor',
      'rate',
      'amount',
      'base_rate',
      'base_amount',
      'income_account',
    ]);
    expect(many.messages.map((m) => m.text)).toContain('Error: Sales Invoice Item Row #1: Value missing for: Item Name');
  });

  it('flags an expired session on a 403', () => {
    const expired = mapRecording(loadRecording('auth_cookie_after_logout'));
    const noAuth = mapRecording(loadRecording('auth_no_auth_get_logged_user'));
    expect(expired).toBeInstanceOf(ErpPermissionError);
    expect(asClass(expired, ErpPermissionError).sessionExpired).toBe(true);
    expect(asClass(noAuth, ErpPermissionError).sessionExpired).toBe(false);
  });

  it('prefers the server message to the terse _error_message', () => {
    const recording = loadRecording('auth_no_auth_protected_resource');
    const error = mapRecording(recording, 'the Sales Invoice list');
    expect(error.message).toBe(
      'ERP refused the Sales Invoice list: User Guest does not have doctype access via role permission for document Sales Invoice',
    );
  });

  it('never carries the traceback or request headers into its JSON form', () => {
    const recording = loadRecording('update_sales_invoice_stale_modified');
    const json = JSON.stringify(mapRecording(recording));
    expect(json).not.toContain('Traceback');
    expect(json).not.toContain('token');
    expect(json).not.toContain('Authorization');
  });
});

describe('a server error worth repeating', () => {
  const endpoint = { method: 'GET', path: '/api/resource/Customer Group/Individual' };
  const mapped = (body: Record<string, unknown>): ErpError =>
    errorFromResponse({ status: 500, headers: {}, body }, { endpoint, subject: 'Customer Group Individual', isWrite: false, retryAfterMs: null });

  it.each([
    ["pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query')", 'OperationalError'],
    ["pymysql.err.OperationalError: (2006, 'MySQL server has gone away')", 'OperationalError'],
    ['pymysql.err.OperationalError: (1213, \'Deadlock found when trying to get lock; try restarting transaction\')', 'OperationalError'],
    ['pymysql.err.OperationalError: (1205, \'Lock wait timeout exceeded; try restarting transaction\')', 'OperationalError'],
    ['frappe.exceptions.QueryDeadlockError: deadlock', 'QueryDeadlockError'],
  ])('a passing database failure (%s) may be repeated', (exception, excType) => {
    const error = mapped({ exception, exc_type: excType });
    expect(error).toBeInstanceOf(ErpServerError);
    expect(error.isRetryable).toBe(true);
  });

  it('a failure that comes back every time is not (OperationalError 1292: a date the database refuses)', () => {
    const error = mapped({ exception: "pymysql.err.OperationalError: (1292, \"Incorrect date value: '28/11/2026' for column `posting_date` at row 1\")", exc_type: 'OperationalError' });
    expect(error.isRetryable).toBe(false);
  });
});

describe('statuses without a Frappe body', () => {
  const request = { method: 'POST', path: '/api/resource/Sales Invoice' };
  const html = (status: number, headers: Record<string, string> = {}): ErpError =>
    errorFromResponse(
      { status, headers, body: undefined },
      { endpoint: request, subject: 'a new Sales Invoice', isWrite: true, retryAfterMs: null },
    );

  it.each([502, 504])('%i from a gateway is unavailability whose write outcome is unknown', (status) => {
    const error = html(status);
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error.isRetryable).toBe(true);
    expect(asClass(error, ErpUnavailableError).outcomeUnknown).toBe(true);
    expect(asClass(error, ErpUnavailableError).reason).toBe('status');
  });

  it('503 is unavailability where the ERP certainly did nothing', () => {
    const error = html(503);
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(asClass(error, ErpUnavailableError).outcomeUnknown).toBe(false);
  });

  it('a GET is never of unknown outcome', () => {
    const error = errorFromResponse(
      { status: 504, headers: {}, body: undefined },
      { endpoint: { method: 'GET', path: '/api/resource/Item' }, subject: 'the Item list', isWrite: false, retryAfterMs: null },
    );
    expect(asClass(error, ErpUnavailableError).outcomeUnknown).toBe(false);
  });

  it('429 is rate limiting carrying the wait it was given', () => {
    const error = errorFromResponse(
      { status: 429, headers: { 'retry-after': '3' }, body: undefined },
      { endpoint: request, subject: 'a new Sales Invoice', isWrite: true, retryAfterMs: 3000 },
    );
    expect(error).toBeInstanceOf(ErpRateLimitedError);
    expect(asClass(error, ErpRateLimitedError).retryAfterMs).toBe(3000);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toBe('ERP rate-limited a new Sales Invoice: HTTP 429 (retry after 3000 ms)');
  });

  it("Frappe's per-endpoint RateLimitExceededError (417) is rate limiting not worth repeating soon", () => {
    const error = errorFromResponse(
      { status: 417, headers: {}, body: { exc_type: 'RateLimitExceededError' } },
      { endpoint: request, subject: 'a member login', isWrite: true, retryAfterMs: null },
    );
    expect(error).toBeInstanceOf(ErpRateLimitedError);
    expect(error.isRetryable).toBe(false);
  });

  it('500 without a body is a server error', () => {
    expect(html(500)).toBeInstanceOf(ErpServerError);
    expect(html(500).message).toBe('ERP failed on a new Sales Invoice: HTTP 500');
  });

  it('a redirect is an invalid answer that names where it points', () => {
    const error = html(301, { location: 'https://erp.example.org/api/resource/Sales%20Invoice' });
    expect(error).toBeInstanceOf(ErpInvalidResponseError);
    expect(error.message).toContain('redirect (HTTP 301 to https://erp.example.org/api/resource/Sales%20Invoice)');
  });

  it('another 4xx is a refusal of the request', () => {
    const error = html(400);
    expect(error).toBeInstanceOf(ErpValidationError);
    expect(asClass(error, ErpValidationError).kind).toBe('other');
  });
});

describe('decodeServerMessages', () => {
  it('decodes a JSON string of JSON strings', () => {
    const raw = JSON.stringify([
      JSON.stringify({ message: 'Item <strong>SRV-CONSULT</strong> already exists', title: 'Duplicate Name', indicator: 'red' }),
      JSON.stringify({ message: 'Second', title: 'Message' }),
    ]);
    expect(decodeServerMessages(raw)).toEqual([
      {
        text: 'Item SRV-CONSULT already exists',
        html: 'Item <strong>SRV-CONSULT</strong> already exists',
        title: 'Duplicate Name',
        indicator: 'red',
      },
      { text: 'Second', html: 'Second', title: 'Message' },
    ]);
  });

  it('keeps escaped quotes of a recorded Select message', () => {
    const body = loadRecording('create_customer_invalid_select').response.body as { _server_messages: string };
    expect(decodeServerMessages(body._server_messages)[0]?.text).toBe(
      'Customer Type cannot be "Alien". It should be one of "Company", "Individual", "Partnership"',
    );
  });

  it('separates a <details> summary from its content', () => {
    const body = loadRecording('method_not_whitelisted').response.body as { _server_messages: string };
    expect(decodeServerMessages(body._server_messages)[0]?.text).toBe(
      'You are not permitted to access this resource. Login to access Function frappe.get_all is not whitelisted.',
    );
  });

  it('keeps the text of a link and drops its markup', () => {
    const body = loadRecording('delete_submitted').response.body as { _server_messages: string };
    expect(decodeServerMessages(body._server_messages)[0]?.text).toBe(
      'Sales Invoice ACC-SINV-2026-00001: Submitted Record cannot be deleted. You must Cancel it first.',
    );
  });

  it('keeps an entry that is not a JSON object as plain text', () => {
    expect(decodeServerMessages(JSON.stringify(['plain <b>words</b>']))).toEqual([
      { text: 'plain words', html: 'plain <b>words</b>' },
    ]);
  });

  it('returns nothing for an absent or empty value, and the raw text for a non-list', () => {
    expect(decodeServerMessages(undefined)).toEqual([]);
    expect(decodeServerMessages('')).toEqual([]);
    expect(decodeServerMessages('not json')).toEqual([{ text: 'not json', html: 'not json' }]);
  });
});

describe('htmlToText', () => {
  it('decodes entities and collapses whitespace', () => {
    expect(htmlToText('A &amp; B&nbsp;&lt;C&gt; &#39;d&#39; &#x41;\n\n  end')).toBe("A & B <C> 'd' A end");
  });

  it('puts a space where a block ends', () => {
    expect(htmlToText('<p>One</p><p>Two</p><br>Three')).toBe('One Two Three');
  });
});
