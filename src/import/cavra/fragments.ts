/**
 * The documents an import writes: a policy.yaml that mirrors CAVRA's baseline pack with the
 * converted routing, and a countersign.yaml fragment (identity, notifications).
 */
import { stringify } from 'yaml';
import type { RoutingRuleDoc } from './routing.js';

/**
 * The rules of CAVRA's baseline pack that ask for approval, under CAVRA's rule ids so routes on
 * `rule_id`/`rule_id_prefix` keep matching. Anything else CAVRA lets through.
 */
export function baselineRules(): Record<string, unknown>[] {
  return [
    {
      id: 'filesystem.write.require_approval',
      description: 'CAVRA baseline: filesystem.require_approval_write',
      match: { kind: 'write_file', targetGlob: '{iam,security,policies}/**' },
      outcome: 'require_approval',
      severity: 'high',
      approvers: { groups: ['Platform Security'] },
    },
    {
      id: 'commands.default.require_approval',
      description: 'CAVRA baseline: commands on neither the allow nor the block list',
      match: { kind: 'execute_command' },
      outcome: 'require_approval',
      severity: 'medium',
      approvers: { groups: ['Repository Owners'] },
    },
  ];
}

/** A complete policy document: one environment for imported actions, the baseline, the routing. */
export function policyDocument(
  environment: string,
  routing: RoutingRuleDoc[],
): Record<string, unknown> {
  return {
    version: 1,
    environments: {
      [environment]: {
        description: 'CAVRA has no environments: imported requests and agent actions land here',
        posture: 'prod',
        // CAVRA lets every action its pack does not flag continue
        sideEffects: 'allow',
        breakGlass: {
          groups: ['Change Advisory Board'],
          maxDuration: '4h',
          requireExternalRef: true,
        },
      },
    },
    rules: baselineRules(),
    routing,
  };
}

export interface ConfigFragment {
  oidc?: Record<string, unknown>;
  rbac?: Record<string, unknown>;
  providers?: Record<string, unknown>;
}

/** The countersign.yaml sections, or null when no file contributed any. */
export function configDocument(f: ConfigFragment): Record<string, unknown> | null {
  const doc: Record<string, unknown> = {};
  if (f.oidc || f.rbac) {
    doc.identity = {
      ...(f.oidc ? { oidc: [f.oidc] } : {}),
      ...(f.rbac ? { rbac: f.rbac } : {}),
    };
  }
  if (f.providers && Object.keys(f.providers).length > 0) {
    doc.notifications = { providers: f.providers };
  }
  return Object.keys(doc).length > 0 ? doc : null;
}

/** YAML text with a header saying where it came from. */
export function renderYaml(header: string, doc: Record<string, unknown>): string {
  const lines = header.split('\n').map((l) => `# ${l}`.trimEnd());
  return `${lines.join('\n')}\n${stringify(doc, { lineWidth: 100 })}`;
}
