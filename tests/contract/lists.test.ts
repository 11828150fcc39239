import { lists } from './cases/lists';
import { contractSuite } from './suite';

contractSuite(lists);
