import { runTicketsImportCli } from '../../sidecar/src/tickets/import-cli';
import { consoleIo, runCli } from './lib/run-cli';

runCli(() => runTicketsImportCli(process.argv.slice(2), process.env, consoleIo));
