#!/usr/bin/env node
// Launcher for the `skyport` command. Plain JS so it works before and after a build: the
// program itself is TypeScript compiled to ../dist, and a missing build gets a clear hint
// instead of a module-not-found stack trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('skyport: the CLI is not built; run `npm run build` first (npm start builds it)\n');
  process.exit(1);
}
// `skyport instances list | head` closes the pipe early; that is not an error worth a trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { run } = await import(main.href);
const code = await run(process.argv);
// Let stdout drain before leaving (pipes may be asynchronous), then exit explicitly so an
// idle keep-alive socket of fetch cannot hold the process open.
process.stdout.write('', () => process.exit(code));
