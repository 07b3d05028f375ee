/**
 * The installed command. One file serves `portolan` and `kubectl-portolan` (kubectl runs plugins named
 * kubectl-<verb> found on PATH), so help and errors name the command the user typed.
 */
import path from 'node:path';
import { run } from './main';

const invokedAs = path.basename(process.argv[1] ?? 'portolan').replace(/\.js$/, '');
void run(process.argv.slice(2), undefined, invokedAs === 'kubectl-portolan' ? 'kubectl portolan' : 'portolan').then((code) => (process.exitCode = code));
