import { moneyFlows } from './cases/money-flows';
import { contractSuite } from './suite';

contractSuite(moneyFlows);
