// Every theme, in the order the suite runs them.
import type { Theme } from '../scenario';
import { auth } from './auth';
import { customisation } from './customisation';
import { docstatus } from './docstatus';
import { lists } from './lists';
import { methods } from './methods';
import { payments } from './payments';
import { rateLimit } from './rate-limit';
import { resources } from './resources';
import { v2 } from './v2';
import { webhooks } from './webhooks';

export const THEMES: readonly Theme[] = [auth, resources, docstatus, lists, methods, payments, customisation, webhooks, v2, rateLimit];
