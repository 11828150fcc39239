import { v2 } from './cases/v2';
import { contractSuite } from './suite';

contractSuite(v2);
