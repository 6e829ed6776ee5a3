/**
 * The GitHub Actions runner's protocol, as documented for actions: workflow commands on stdout
 * (`::add-mask::`, `::error::`, `::notice::`) and file commands (`GITHUB_OUTPUT`, heredoc form
 * for values that may span lines).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/** Escapes the data of a workflow command (`%`, CR and LF). */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (also `:` and `,`). */
function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Runner {
  /** Masks a secret in every later log line (before it could appear in one). */
  mask(secret: string): void;
  setOutput(name: string, value: string): void;
  info(line: string): void;
  notice(message: string, title?: string): void;
  error(message: string, title?: string): void;
}

/**
 * A runner writing to `write` (stdout) and to the `GITHUB_OUTPUT` file. Without an output file
 * (not in a runner) setting an output throws rather than print it, so a credential is never
 * echoed to a log by accident.
 */
export function createRunner(outputFile: string | null, write: (text: string) => void): Runner {
  const command = (name: string, message: string, props: Record<string, string> = {}) => {
    const p = Object.entries(props)
      .map(([k, v]) => `${k}=${escapeProperty(v)}`)
      .join(',');
    write(`::${name}${p ? ` ${p}` : ''}::${escapeData(message)}\n`);
  };
  return {
    mask: (secret) => command('add-mask', secret),
    setOutput(name, value) {
      if (outputFile === null) throw new Error('GITHUB_OUTPUT is not set: not running in Actions');
      // a delimiter that cannot occur in the value (the runner's own convention)
      const delimiter = `ghadelimiter_${randomUUID()}`;
      if (value.includes(delimiter) || name.includes(delimiter)) throw new Error('bad delimiter');
      appendFileSync(outputFile, `${name}<<${delimiter}\n${value}\n${delimiter}\n`, 'utf8');
    },
    info: (line) => write(`${line}\n`),
    notice: (message, title) => command('notice', message, title ? { title } : {}),
    error: (message, title) => command('error', message, title ? { title } : {}),
  };
}
