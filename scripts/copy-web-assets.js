#!/usr/bin/env node
// Copies the console's static files (index.html, CSS) next to its compiled scripts in dist/web/,
// and vendors lit-html's ES modules at the path the compiled scripts import them from
// (dist/web/assets mirrors the repository root: web/src/*.js, src/lib/*.js, node_modules/lit-html/).
// Usage: copy-web-assets.js [OUTDIR] (default dist; the build passes its temporary directory).
import { copyFileSync, mkdirSync } from 'node:fs';

const DIST = process.argv[2] ?? 'dist';
mkdirSync(`${DIST}/web/assets`, { recursive: true });
copyFileSync('web/index.html', `${DIST}/web/index.html`);
copyFileSync('web/console.css', `${DIST}/web/assets/console.css`);

const LIT = 'node_modules/lit-html';
const OUT = `${DIST}/web/assets/node_modules/lit-html`;
// the production build of the modules the console imports, and nothing that renders raw markup
// (no unsafe-html): text from the API can only ever be text
const FILES = [
  'lit-html.js',
  'directive.js',
  'directive-helpers.js',
  'directives/live.js',
  'LICENSE',
];
mkdirSync(`${OUT}/directives`, { recursive: true });
for (const name of FILES) copyFileSync(`${LIT}/${name}`, `${OUT}/${name}`);
