import { runInstallerCli } from '../../sidecar/src/addon/cli';
import { consoleIo, runCli } from './lib/run-cli';

runCli(() => runInstallerCli('uninstall', process.argv.slice(2), process.env, consoleIo));
