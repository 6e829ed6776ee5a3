/** YAML (or JSON, a subset of YAML 1.2) text → plain data, with every syntax error listed. */
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors/index.js';
import type { FieldError } from '../errors/index.js';

/** Documents larger than this are refused before parsing. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/**
 * Parses YAML/JSON text. Duplicate keys are errors; alias expansion is bounded (the `yaml`
 * package's `maxAliasCount`) so a "billion laughs" document cannot exhaust memory.
 * Error messages carry positions, never source text.
 */
export function parseYamlText(text: string, source: string, what: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw new InputError('validation_failed', `invalid ${what} in ${source}`, [
      { path: '(root)', message: `must be at most ${MAX_DOCUMENT_BYTES} bytes` },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  // Warnings (unknown tags such as `!!js/function`) are errors too: a config must mean one thing.
  const errors: FieldError[] = [...doc.errors, ...doc.warnings].map((err) => {
    const pos = lineCounter.linePos(err.pos[0]);
    const message = (err.message.split('\n')[0] ?? err.code).replace(/ at line \d+.*$/, '');
    return { path: `line ${pos.line}, column ${pos.col}`, message };
  });
  if (errors.length > 0) {
    throw new InputError('validation_failed', `invalid ${what} in ${source}`, errors);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    const text = err instanceof Error ? err.message : '';
    const message = /alias count/i.test(text)
      ? 'too many alias expansions'
      : /unresolved alias/i.test(text)
        ? 'an alias refers to an anchor that is not defined before it'
        : 'cannot be converted to data';
    throw new InputError(
      'validation_failed',
      `invalid ${what} in ${source}`,
      [{ path: '(root)', message }],
      { cause: err },
    );
  }
}
