#!/usr/bin/env node
// A checkout runs the TypeScript sources through tsx's loader, so what `npm test` checked is what
// runs. A published package ships the bundle (dist/cli/, `npm run build`, made by prepack) and not
// src/: it starts without compiling TypeScript, ~0.4 s of CPU less per start
// (bench/cli-startup.bench.ts).
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/warden.js');
}
