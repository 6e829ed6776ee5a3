/**
 * The MCP gateway's tools file: which action kind and risk tags a downstream tool's calls carry,
 * chosen by tool-name glob. The first entry whose glob matches the tool's name wins; a tool no
 * entry matches is kind `mcp_tool` without tags.
 *
 * ```yaml
 * tools:
 *   - match: "read_*"              # picomatch glob (or a list of them) on the tool name
 *     riskTags: [read-only]
 *   - match: ["delete_*", "drop_*"]
 *     kind: mcp_tool               # default
 *     riskTags: [destructive]
 * ```
 */
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors/index.js';
import { Issues, joinPath, own, readObject, readString, readStringList } from '../lib/fields.js';
import { KIND_RULES, TAG_RULES } from '../policy/policy-schema.js';

/** The kind of a tool call when the tools file names none. */
export const DEFAULT_MCP_KIND = 'mcp_tool';

/** How one tool's calls are described to policy. */
export interface ToolClass {
  readonly kind: string;
  readonly riskTags: readonly string[];
}

export interface ToolRule extends ToolClass {
  readonly globs: readonly string[];
  readonly matches: (toolName: string) => boolean;
}

/** The parsed tools file: rules in order. */
export interface ToolsConfig {
  readonly rules: readonly ToolRule[];
}

export const EMPTY_TOOLS_CONFIG: ToolsConfig = { rules: [] };

function readGlobs(obj: Record<string, unknown>, path: string, issues: Issues): string[] {
  return (
    readStringList(obj, 'match', path, issues, {
      max: 256,
      single: true,
      required: true,
      nonEmpty: true,
    }) ?? []
  );
}

/**
 * Parses a tools file (YAML or JSON text). Throws `InputError('validation_failed')` listing every
 * problem with its path (`tools[1].riskTags[0]: …`).
 */
export function parseToolsConfig(text: string, source: string): ToolsConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    throw new InputError('validation_failed', `${source} is not valid YAML`, [
      { path: source, message: 'malformed document' },
    ]);
  }
  const issues = new Issues();
  const top = readObject(doc ?? {}, '', issues, ['tools']) ?? {};
  const list = own(top, 'tools') ?? [];
  const rules: ToolRule[] = [];
  if (!Array.isArray(list)) issues.add('tools', 'must be a list');
  else {
    list.forEach((item, i) => {
      const path = joinPath('tools', i);
      const obj = readObject(item, path, issues, ['match', 'kind', 'riskTags'], true);
      if (!obj) return;
      const globs = readGlobs(obj, path, issues);
      const kind = readString(obj, 'kind', path, issues, KIND_RULES) ?? DEFAULT_MCP_KIND;
      const riskTags = readStringList(obj, 'riskTags', path, issues, TAG_RULES) ?? [];
      const matchers = globs.map((g) => picomatch(g));
      rules.push({ globs, kind, riskTags, matches: (name) => matchers.some((m) => m(name)) });
    });
  }
  if (!issues.ok) {
    throw new InputError('validation_failed', `invalid tools file ${source}`, issues.list);
  }
  return { rules };
}

/** The kind and risk tags of a call to `toolName`: the first matching rule, else the default. */
export function classifyTool(config: ToolsConfig, toolName: string): ToolClass {
  const rule = config.rules.find((r) => r.matches(toolName));
  return rule
    ? { kind: rule.kind, riskTags: [...rule.riskTags] }
    : { kind: DEFAULT_MCP_KIND, riskTags: [] };
}
