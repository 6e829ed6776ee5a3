#!/usr/bin/env node
// Copies the console's static files (index.html, CSS) next to its compiled scripts in dist/web/,
// and vendors lit-html's ES modules at the path the compiled scripts import them from
// (dist/web/assets mirrors the repository root: web/src/*.js, src/lib/*.js, node_modules/lit-html/).
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web/assets', { recursive: true });
copyFileSync('web/index.html', 'dist/web/index.html');
copyFileSync('web/console.css', 'dist/web/assets/console.css');

const LIT = 'node_modules/lit-html';
const OUT = 'dist/web/assets/node_modules/lit-html';
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
