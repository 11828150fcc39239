import { auth } from './cases/auth';
import { contractSuite } from './suite';

contractSuite(auth);
