import { payments } from './cases/payments';
import { contractSuite } from './suite';

contractSuite(payments);
