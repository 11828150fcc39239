import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/**
 * zod with `.openapi(...)`: the HTTP layer's schemas validate requests, type the handlers and describe the API in
 * the OpenAPI document, so every schema of this folder is built from this `z`. The extension only adds a method;
 * it changes nothing for zod schemas elsewhere.
 */
extendZodWithOpenApi(z);

export { z };
