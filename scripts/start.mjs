#!/usr/bin/env node
// `npm start`: install what is missing, build, start the broker on its embedded default.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, buildPortal, ensureDependencies, root } from './lib.mjs';

ensureDependencies();
build();
buildPortal();
const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'packages/server/dist/main.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
