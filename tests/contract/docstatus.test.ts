import { docstatus } from './cases/docstatus';
import { contractSuite } from './suite';

contractSuite(docstatus);
