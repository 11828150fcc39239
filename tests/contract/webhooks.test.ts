import { webhooks } from './cases/webhooks';
import { contractSuite } from './suite';

contractSuite(webhooks);
