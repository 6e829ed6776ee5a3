#!/usr/bin/env node
// Copies the console's static files (index.html, CSS) next to its compiled scripts in dist/web/.
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web/assets', { recursive: true });
copyFileSync('web/index.html', 'dist/web/index.html');
copyFileSync('web/console.css', 'dist/web/assets/console.css');
