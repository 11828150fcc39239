import { rateLimit } from './cases/rate-limit';
import { contractSuite } from './suite';

contractSuite(rateLimit);
