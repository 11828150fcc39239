import { methods } from './cases/methods';
import { contractSuite } from './suite';

contractSuite(methods);
