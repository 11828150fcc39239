import { compileErrors, validate } from '@readme/openapi-parser';
import type { Router } from 'express';
import { Redis } from 'ioredis';
import type { OpenAPIV3_1 } from 'openapi-types';
import { createBookingApi, type BookingApi } from '../../../sidecar/src/http/api';
import { openApiPath } from '../../../sidecar/src/http/routes';
import { silentLogger } from '../../../sidecar/src/log';

// Building the API opens no connection: the document and the router exist before any request.
const redis = new Redis({ lazyConnect: true });
const api: BookingApi = createBookingApi({ places: [], redis, publicUrl: 'https://booking.example', logger: silentLogger, version: '9.9.9' });
const doc = api.openapi as unknown as OpenAPIV3_1.Document;

afterAll(() => {
  redis.disconnect();
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** "METHOD /path/{param}" for every route express would answer. */
function mountedRoutes(router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack) {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    if (!route) continue;
    for (const method of Object.keys(route.methods).filter((m) => route.methods[m])) out.push(`${method.toUpperCase()} ${openApiPath(route.path)}`);
  }
  return out.sort();
}

function documentedRoutes(document: OpenAPIV3_1.Document): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) if (item?.[method]) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out.sort();
}

function operations(document: OpenAPIV3_1.Document): [string, OpenAPIV3_1.OperationObject][] {
  return documentedRoutes(document).map((key) => {
    const [method = '', path = ''] = key.split(' ');
    const operation = document.paths?.[path]?.[method.toLowerCase() as (typeof METHODS)[number]];
    if (!operation) throw new Error(`no operation for ${key}`);
    return [key, operation];
  });
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(doc));
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
  });

  it('describes exactly the routes the router answers', () => {
    const mounted = mountedRoutes(api.router);
    expect(mounted.length).toBeGreaterThanOrEqual(21);
    expect(documentedRoutes(doc)).toEqual(mounted);
  });

  it('covers every route the API promises', () => {
    const p = '/api/places/{place}';
    expect(documentedRoutes(doc)).toEqual(
      [
        `POST ${p}/session`,
        `GET ${p}/session`,
        `DELETE ${p}/session`,
        `GET ${p}/resources`,
        `GET ${p}/availability`,
        `POST ${p}/quotes`,
        `POST ${p}/bookings`,
        `GET ${p}/bookings`,
        `GET ${p}/bookings/{id}`,
        `GET ${p}/bookings/{id}/cancellation`,
        `POST ${p}/bookings/{id}/cancel`,
        `POST ${p}/bookings/{id}/reschedule`,
        `POST ${p}/bookings/{id}/payment`,
        `GET ${p}/bookings/{id}/invoices`,
        `POST ${p}/manager/bookings/{id}/payments`,
        `POST ${p}/manager/bookings/{id}/refunds`,
        `POST ${p}/manager/post-paid-invoicing`,
        `GET ${p}/tickets`,
        `GET ${p}/tickets/history`,
        `GET ${p}/manager/customers/{customer}/tickets`,
        `GET ${p}/manager/customers/{customer}/tickets/history`,
        `POST ${p}/manager/customers/{customer}/tickets/corrections`,
        `POST ${p}/manager/check-ins`,
        `POST ${p}/manager/tickets/reload`,
        `POST ${p}/manager/bookings`,
        `POST ${p}/manager/bookings/{id}/approve`,
        `POST ${p}/manager/bookings/{id}/reject`,
        `POST ${p}/manager/bookings/{id}/check-in`,
        `POST ${p}/manager/bookings/{id}/check-out`,
        `POST ${p}/manager/bookings/{id}/no-show`,
        `GET ${p}/manager/occupancy`,
        `GET ${p}/manager/conflicts`,
        `POST ${p}/manager/index/rebuild`,
        'POST /erp/webhooks/{place}',
        'GET /api/openapi.json',
      ].sort(),
    );
  });

  it('gives every operation an id, a success answer and its errors with the error body', () => {
    const ids = new Set<string>();
    for (const [key, operation] of operations(doc)) {
      expect(operation.operationId).toBeDefined();
      ids.add(operation.operationId ?? '');
      const statuses = Object.keys(operation.responses ?? {});
      expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const content = (operation.responses?.[status] as OpenAPIV3_1.ResponseObject).content?.['application/json']?.schema;
        expect({ key, status, ref: (content as { $ref?: string } | undefined)?.$ref }).toEqual({ key, status, ref: '#/components/schemas/Error' });
      }
      if (key.startsWith('POST /api/places') && !key.endsWith('/session')) expect(statuses).toContain('403');
    }
    expect(ids.size).toBe(operations(doc).length);
  });

  it('says who may call what: session cookie, CSRF token on changes, signature for the ERP', () => {
    const op = (path: string, method: (typeof METHODS)[number]) => doc.paths?.[path]?.[method];
    expect(op('/api/places/{place}/session', 'post')?.security).toEqual([]);
    expect(op('/api/places/{place}/bookings', 'get')?.security).toEqual([{ sessionCookie: [] }]);
    expect(op('/api/places/{place}/bookings', 'post')?.security).toEqual([{ sessionCookie: [], csrfToken: [] }]);
    expect(op('/erp/webhooks/{place}', 'post')?.security).toEqual([{ webhookSignature: [] }]);
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(['csrfToken', 'sessionCookie', 'webhookSignature']);
  });

  it('documents the inputs from the schemas that validate them', () => {
    const create = doc.paths?.['/api/places/{place}/bookings']?.post;
    expect(create?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header', required: false })]) as unknown);
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['201', '200', '422', '429']) as unknown);
    const request = doc.components?.schemas?.BookingRequest as OpenAPIV3_1.SchemaObject;
    expect(request.required).toEqual(['resourceId', 'start', 'end']);
    expect(request.additionalProperties).toBe(false);
    expect(request.properties?.start).toMatchObject({ type: 'string', format: 'date-time' });
    expect(request.properties?.seats).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    const availability = doc.paths?.['/api/places/{place}/availability']?.get?.parameters as OpenAPIV3_1.ParameterObject[];
    expect(availability.map((p) => `${p.in}:${p.name}:${String(p.required)}`)).toEqual([
      'path:place:true',
      'query:from:true',
      'query:to:true',
      'query:resource:false',
      'query:seats:false',
    ]);
    const money = doc.components?.schemas?.Money as OpenAPIV3_1.SchemaObject;
    expect(money.properties?.cents).toMatchObject({ type: 'integer' });
  });
});
