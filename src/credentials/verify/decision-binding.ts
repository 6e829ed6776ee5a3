import type { CredentialClaims } from './types.js';

/** The parts of a fresh decision that an approval credential binds (the gate re-decides). */
export interface DecisionParts {
  matchedRule: string | null;
  quorum: { min: number; mode: string; groups: readonly string[] } | null;
  riskTags: readonly string[];
  constraints: Record<string, unknown>;
}

function sortedJson(value: unknown): string {
  // key order never matters: compare objects member by member after sorting the names
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

/**
 * Names the bound parts where a decision made now differs from the one a credential was issued
 * under: `rule`, `quorum` (approver groups, minimum, mode), `riskTags`, `constraints`. An empty
 * list means the action decides now exactly as it was approved. Capabilities are checked by the
 * verifier itself (`insufficient_capabilities`: a superset is fine).
 *
 * @example
 * ```ts
 * import { decisionDifferences } from 'countersign/verify';
 * const differs = decisionDifferences(result.claims, currentDecision);
 * if (differs.length > 0) throw new Error(`decision_mismatch: ${differs.join(', ')}`);
 * ```
 */
export function decisionDifferences(claims: CredentialClaims, now: DecisionParts): string[] {
  const out: string[] = [];
  if (claims.rule !== now.matchedRule) out.push('rule');
  const q = claims.quorum;
  const n = now.quorum;
  if (
    (q === null) !== (n === null) ||
    (q !== null &&
      n !== null &&
      (q.min !== n.min || q.mode !== n.mode || !sameList(q.groups, n.groups)))
  ) {
    out.push('quorum');
  }
  if (!sameList(claims.risk_tags, now.riskTags)) out.push('riskTags');
  if (sortedJson(claims.constraints) !== sortedJson(now.constraints)) out.push('constraints');
  return out;
}
