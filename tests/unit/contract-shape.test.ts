import {
  compareBody,
  compareCookies,
  compareResponse,
  decodeServerMessages,
  normaliseMessage,
  Substitution,
  type ActualResponse,
  type RecordedResponse,
} from '../contract/shape';

const serverMessages = (...messages: object[]): string => JSON.stringify(messages.map((m) => JSON.stringify(m)));

const reply = (status: number, body: unknown, extra: Partial<ActualResponse> = {}): ActualResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  setCookies: [],
  text: JSON.stringify(body),
  ...extra,
});

const recordedCustomer: RecordedResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: {
    data: {
      name: 'Acme SARL',
      creation: '2026-11-28 16:08:48.886726',
      docstatus: 0,
      customer_group: 'Commercial',
      tax_id: null,
      portal_users: [],
    },
  },
};

const actualCustomer = {
  data: {
    name: 'Acme SARL k3x1',
    creation: '2027-01-05 09:00:00.123456',
    docstatus: 0,
    customer_group: 'Commercial',
    tax_id: 'FR123',
    portal_users: [],
    extra_dokos_field: 'tolerated',
  },
};

describe('compareResponse', () => {
  it('accepts an answer with the recorded shape, other values and extra keys', () => {
    expect(compareResponse(recordedCustomer, reply(200, actualCustomer))).toEqual([]);
  });

  it('reports a different status', () => {
    const m = compareResponse(recordedCustomer, reply(417, actualCustomer));
    expect(m).toEqual([{ path: 'status', problem: 'expected 200, got 417' }]);
  });

  it('reports a missing key', () => {
    const { customer_group: _dropped, ...rest } = actualCustomer.data;
    const m = compareResponse(recordedCustomer, reply(200, { data: rest }));
    expect(m).toEqual([{ path: 'data.customer_group', problem: 'missing (the recorded answer has this key)' }]);
  });

  it('reports a wrong JSON type', () => {
    const m = compareResponse(recordedCustomer, reply(200, { data: { ...actualCustomer.data, docstatus: '0' } }));
    expect(m).toHaveLength(1);
    expect(m[0]?.path).toBe('data.docstatus');
    expect(m[0]?.problem).toMatch(/expected number, got string/);
  });

  it('holds timestamps to the recorded format, not to the recorded value', () => {
    const m = compareResponse(recordedCustomer, reply(200, { data: { ...actualCustomer.data, creation: '2026-11-28T16:08:48Z' } }));
    expect(m.map((x) => x.path)).toEqual(['data.creation']);
  });

  it('reports a body that is not JSON and a wrong content type', () => {
    const m = compareResponse(recordedCustomer, {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      setCookies: [],
      text: '<html>',
    });
    expect(m.map((x) => x.path)).toEqual(['content-type', '(body)']);
  });
});

describe('compareBody on arrays', () => {
  const recorded = { data: [{ name: 'l5o7kn8geu', customer: 'Acme SARL', quantity: 3 }, { name: 'l5oovq7aco', customer: null, quantity: 42 }] };

  it('checks every actual element against the recorded elements, a recorded null allowing anything', () => {
    const actual = { data: [{ name: 'ab12cd34ef', customer: null, quantity: 1 }] };
    expect(compareBody(recorded, actual)).toEqual([]);
  });

  it('reports an element of the wrong shape', () => {
    const actual = { data: [{ name: 'ab12cd34ef', customer: null, quantity: 1 }, { name: 'ab12cd34eg', customer: null }] };
    expect(compareBody(recorded, actual)).toEqual([{ path: 'data[1].quantity', problem: 'missing (the recorded answer has this key)' }]);
  });

  it('reports an empty answer where the recording has rows', () => {
    expect(compareBody(recorded, { data: [] })[0]?.problem).toMatch(/non-empty array/);
  });

  it('holds hash names to ten lowercase characters', () => {
    const actual = { data: [{ name: 'ACC-0001', customer: 'x', quantity: 1 }] };
    expect(compareBody(recorded, actual).map((m) => m.path)).toEqual(['data[0].name']);
  });

  it('leaves out ignored paths', () => {
    const actual = { data: [{ customer: 'x', quantity: 1 }] };
    expect(compareBody(recorded, actual, { ignore: ['data[].name'] })).toEqual([]);
  });
});

describe('compareBody on error bodies', () => {
  const recordedError = {
    exception: 'frappe.exceptions.ValidationError:  Customer Type cannot be "Alien".',
    exc_type: 'ValidationError',
    exc: JSON.stringify(['Traceback (most recent call last):\n  File "app.py"\n']),
    _server_messages: serverMessages({
      message: 'Could not find Customer: Ghost Customer',
      title: 'Message',
      indicator: 'red',
      raise_exception: 1,
      __frappe_exc_id: '156c30f1c847d7d922e62357a5c3f05f5d409854e64c3bd683e33ad5',
    }),
  };
  const names = new Substitution([['Ghost Customer', 'Ghost Customer k3x1']]);
  const actualError = (message: string, excType = 'ValidationError'): Record<string, unknown> => ({
    exception: `frappe.exceptions.${excType}: whatever the details`,
    exc_type: excType,
    exc: JSON.stringify(['Traceback…']),
    _server_messages: serverMessages({
      message,
      title: 'Message',
      indicator: 'red',
      raise_exception: 1,
      __frappe_exc_id: 'aa6c30f1c847d7d922e62357a5c3f05f5d409854e64c3bd683e33ad5',
    }),
  });

  it('accepts the same error with the fixture names substituted', () => {
    expect(compareBody(recordedError, actualError('Could not find Customer: Ghost Customer k3x1'), { names })).toEqual([]);
  });

  it('reports a different exc_type', () => {
    const m = compareBody(recordedError, actualError('Could not find Customer: Ghost Customer k3x1', 'LinkValidationError'), { names });
    expect(m.map((x) => x.path)).toEqual(['exc_type', 'exception']);
  });

  it('reports a different message', () => {
    const m = compareBody(recordedError, actualError('Customer Ghost Customer k3x1 not found'), { names });
    expect(m).toEqual([
      {
        path: '_server_messages[0].message',
        problem: 'expected "Could not find Customer: Ghost Customer k3x1", got "Customer Ghost Customer k3x1 not found"',
      },
    ]);
  });

  it('reports a message count that differs', () => {
    const body = { ...actualError('Could not find Customer: Ghost Customer k3x1'), _server_messages: serverMessages() };
    expect(compareBody(recordedError, body, { names })[0]?.problem).toMatch(/expected 1 message\(s\)/);
  });

  it('reports a traceback that is not a JSON list of strings', () => {
    const body = { ...actualError('Could not find Customer: Ghost Customer k3x1'), exc: 'Traceback…' };
    expect(compareBody(recordedError, body, { names }).map((m) => m.path)).toEqual(['exc']);
  });

  it('compares v2 error lists by type and message', () => {
    const recorded = { errors: [{ type: 'DoesNotExistError', message: 'Item NOPE not found', title: 'Message', indicator: 'red' }] };
    const ok = { errors: [{ type: 'DoesNotExistError', message: 'Item NOPE-k3 not found', title: 'Message', indicator: 'red' }] };
    const n = new Substitution([['NOPE', 'NOPE-k3']]);
    expect(compareBody(recorded, ok, { names: n })).toEqual([]);
    const wrong = { errors: [{ type: 'ValidationError', message: 'Item NOPE-k3 not found', title: 'Message', indicator: 'red' }] };
    expect(compareBody(recorded, wrong, { names: n }).map((m) => m.path)).toEqual(['errors[0].type']);
  });
});

describe('messages', () => {
  it('decodes _server_messages, a JSON string of a list of JSON strings', () => {
    expect(decodeServerMessages(serverMessages({ message: 'a' }, { message: 'b' }))).toEqual([{ message: 'a' }, { message: 'b' }]);
    expect(decodeServerMessages('[{"message": "not a string"}]')).toMatch(/JSON-encoded string/);
  });

  it('normalises the parts that differ between sites, not the words', () => {
    const recorded =
      'Cannot delete or cancel because Sales Invoice <a href="http://127.0.0.1:8000/app/sales-invoice/X">X</a> is linked with GL Entry <a href="http://127.0.0.1:8000/app/gl-entry/059dede1b4">059dede1b4</a> ';
    const actual =
      'Cannot delete or cancel because Sales Invoice <a href="https://erp.example.org/app/sales-invoice/X">X</a> is linked with GL Entry <a href="https://erp.example.org/app/gl-entry/a1b2c3d4e5">a1b2c3d4e5</a> ';
    expect(normaliseMessage(actual)).toBe(normaliseMessage(recorded));
    // About one random name in 26 has no digit: in a link it is still a name.
    expect(normaliseMessage(actual.replaceAll('a1b2c3d4e5', 'rqncdjrbgq'))).toBe(normaliseMessage(recorded));
    expect(normaliseMessage(recorded.replace('sales-invoice/X">X', 'sales-invoice/Y">Y'))).not.toBe(normaliseMessage(recorded));
    expect(normaliseMessage('modified after you have opened it (2026-11-28 16:09:32.885974, 2026-11-28 16:09:34.098909)')).toBe(
      'modified after you have opened it (<datetime>, <datetime>)',
    );
    expect(normaliseMessage('No permission for individual')).toBe('No permission for individual');
  });
});

describe('Substitution', () => {
  it('replaces the longest recorded name first and never twice', () => {
    const s = new Substitution([
      ['Acme SARL', 'Acme SARL k3'],
      ['Acme SARL - 1', 'Acme SARL k3 - 1'],
    ]);
    expect(s.text("Changed customer name to 'Acme SARL - 1' as 'Acme SARL' already exists.")).toBe(
      "Changed customer name to 'Acme SARL k3 - 1' as 'Acme SARL k3' already exists.",
    );
  });

  it('renames object keys too, for custom field names', () => {
    expect(new Substitution([['external_ref', 'external_ref_k3']]).deep({ external_ref: 'EXT-42' })).toEqual({ external_ref_k3: 'EXT-42' });
  });
});

describe('compareCookies', () => {
  const recorded = ['sid=<sid>; Expires=Sat, 05 Dec 2026 17:08:34 GMT; Max-Age=612000; HttpOnly; Path=/; SameSite=Lax', 'system_user=yes; Path=/; SameSite=Lax'];

  it('compares names and attributes, not values or dates', () => {
    const actual = ['system_user=no; Path=/; SameSite=Lax', 'sid=0123abcd; Expires=Mon, 01 Jan 2027 00:00:00 GMT; Max-Age=612000; HttpOnly; Path=/; SameSite=Lax'];
    expect(compareCookies(recorded, actual)).toEqual([]);
  });

  it('reports a cookie whose attributes differ', () => {
    const actual = ['sid=0123abcd; Max-Age=3600; Path=/; SameSite=Lax', 'system_user=yes; Path=/; SameSite=Lax'];
    expect(compareCookies(recorded, actual)).toHaveLength(1);
    expect(compareCookies(recorded, actual)[0]?.problem).toMatch(/sid; expires; httponly; max-age=612000; path=\/; samesite=lax/);
  });

  it('needs one actual cookie per recorded cookie, even with the same name', () => {
    const twice = ['sid=Guest; Path=/', 'sid=; Path=/'];
    expect(compareCookies(twice, ['sid=Guest; Path=/'])).toHaveLength(1);
  });
});
