// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Builds dist/ from src/: dist/index.html, dist/assets/app.js and
// dist/assets/app.css. File names carry no hash and the output has no
// timestamps, so the same sources give the same bytes: make
// check-generated rebuilds and diffs dist/ to prove it is current.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/assets', { recursive: true });
await build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  outdir: 'dist/assets',
  logLevel: 'warning',
});
copyFileSync('src/index.html', 'dist/index.html');
