/** `console` section of countersign.yaml: what the web console shows besides the API's data. */
import { checkLinkTemplate, LINK_NAMES, type LinkTemplates } from '../lib/link-templates.js';
import { joinPath, own, readObject, readString } from '../lib/fields.js';
import type { Issues } from '../lib/fields.js';

export interface ConsoleConfig {
  /**
   * Link templates for what an action names, e.g. `repository: https://github.com/{repository}`;
   * placeholders `{repository}` `{workflow}` `{runId}` `{stepId}` `{commit}` `{project}`
   * `{environment}`. A link is shown only when every placeholder it uses has a value.
   */
  readonly links: LinkTemplates;
}

export function readConsole(value: unknown, issues: Issues): ConsoleConfig {
  const obj = readObject(value, 'console', issues, ['links']) ?? {};
  const linksObj = readObject(own(obj, 'links'), 'console.links', issues, LINK_NAMES) ?? {};
  const links: LinkTemplates = {};
  for (const name of LINK_NAMES) {
    const t = readString(linksObj, name, 'console.links', issues, { max: 1024 });
    if (t === undefined) continue;
    const problem = checkLinkTemplate(t);
    if (problem) issues.add(joinPath('console.links', name), problem);
    else links[name] = t;
  }
  return { links };
}
