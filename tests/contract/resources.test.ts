import { resources } from './cases/resources';
import { contractSuite } from './suite';

contractSuite(resources);
