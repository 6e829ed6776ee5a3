/**
 * Links for what an action names (repository, workflow, run, commit), built from configured
 * templates such as `https://github.com/{repository}/actions/runs/{runId}`. Values come from
 * requesters and are untrusted: each is percent-encoded (a repository keeps its `/` between
 * segments), a link is made only when every placeholder it uses has a value, and the result must
 * be an http(s) URL on the template's own origin, so a value can never move a link elsewhere.
 */

export type LinkName = 'repository' | 'workflow' | 'run' | 'commit';
export const LINK_NAMES: readonly LinkName[] = ['repository', 'workflow', 'run', 'commit'];

export type LinkTemplates = Partial<Record<LinkName, string>>;
export type Links = Partial<Record<LinkName, string>>;

/** The placeholders a template may use, with the values of one action. */
export type LinkValues = Partial<
  Record<
    'repository' | 'workflow' | 'runId' | 'stepId' | 'commit' | 'project' | 'environment',
    string
  >
>;

export const LINK_PLACEHOLDERS: readonly (keyof LinkValues)[] = [
  'repository',
  'workflow',
  'runId',
  'stepId',
  'commit',
  'project',
  'environment',
];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

function encodeValue(name: string, value: string): string {
  // owner/name paths keep their slashes; nothing else may add path segments
  if (name === 'repository' || name === 'workflow')
    return value
      .split('/')
      .filter((s) => s !== '' && s !== '.' && s !== '..')
      .map(encodeURIComponent)
      .join('/');
  return encodeURIComponent(value);
}

/**
 * Checks a template as configured: an absolute http(s) URL whose host is literal (no placeholder
 * before the path) and which uses only known placeholders. Returns a message, or null when fine.
 */
export function checkLinkTemplate(template: string): string | null {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!LINK_PLACEHOLDERS.includes(m[1] as keyof LinkValues))
      return `unknown placeholder {${m[1]}}; use ${LINK_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`;
  }
  const probe = template.replace(PLACEHOLDER, 'x');
  let url: URL;
  try {
    url = new URL(probe);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  const origin = /^[a-z]+:\/\/[^/?#]*/i.exec(template)?.[0] ?? '';
  if (/\{[A-Za-z]+\}/.test(origin)) return 'placeholders may not appear in the scheme or host';
  return null;
}

/** One link, or null when a placeholder has no value or the result leaves the template's origin. */
export function fillLinkTemplate(template: string, values: LinkValues): string | null {
  if (checkLinkTemplate(template) !== null) return null;
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name as keyof LinkValues];
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    return encodeValue(name, v);
  });
  if (missing) return null;
  try {
    const url = new URL(filled);
    const expected = new URL(template.replace(PLACEHOLDER, 'x')).origin;
    if (url.origin !== expected || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      return null;
    return url.href;
  } catch {
    return null;
  }
}

/** The commit an action names: `spec.commit` (or `spec.sha`) when it is 7-64 hex digits. */
export function commitOf(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return undefined;
  const s = spec as Record<string, unknown>;
  const c = typeof s['commit'] === 'string' ? s['commit'] : s['sha'];
  return typeof c === 'string' && /^[0-9a-f]{7,64}$/i.test(c) ? c : undefined;
}

/** Every link the templates can make for these values. */
export function buildLinks(templates: LinkTemplates, values: LinkValues): Links {
  const out: Links = {};
  for (const name of LINK_NAMES) {
    const t = templates[name];
    if (!t) continue;
    const link = fillLinkTemplate(t, values);
    if (link) out[name] = link;
  }
  return out;
}
