import { customisation } from './cases/customisation';
import { contractSuite } from './suite';

contractSuite(customisation);
