import { money } from './cases/money';
import { contractSuite } from './suite';

contractSuite(money);
