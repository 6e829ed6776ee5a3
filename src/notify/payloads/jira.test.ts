import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPayload } from '../render.js';
import {
  breakGlassApproval,
  CONSOLE_LINK,
  CTX,
  pendingApproval,
  SPEC_HASH,
} from '../test-fixtures.js';

const REQUESTED = { kind: 'requested', at: '2026-01-01T00:00:00.000Z' } as const;

/** Checks the ADF subset we emit against the ADF schema rules; returns the problems. */
function adfProblems(node: unknown, path = 'doc'): string[] {
  if (typeof node !== 'object' || node === null) return [`${path}: not a node`];
  const n = node as { type?: unknown; content?: unknown; text?: unknown; version?: unknown };
  const children = Array.isArray(n.content) ? (n.content as unknown[]) : [];
  const allowed: Record<string, string[]> = {
    doc: ['paragraph', 'bulletList'],
    paragraph: ['text'],
    bulletList: ['listItem'],
    listItem: ['paragraph', 'bulletList'],
  };
  const problems: string[] = [];
  if (path === 'doc' && (n.type !== 'doc' || n.version !== 1)) problems.push('doc: type/version');
  if (n.type === 'text') {
    if (typeof n.text !== 'string' || n.text === '') problems.push(`${path}: empty text`);
    return problems;
  }
  const kids = allowed[String(n.type)];
  if (!kids) return [`${path}: unexpected node ${String(n.type)}`];
  if (!Array.isArray(n.content)) problems.push(`${path}: content must be an array`);
  if (n.type !== 'paragraph' && children.length === 0) problems.push(`${path}: empty`);
  children.forEach((c, i) => {
    const t = (c as { type?: unknown }).type;
    if (!kids.includes(String(t))) problems.push(`${path}.content[${i}]: ${String(t)} not allowed`);
    else problems.push(...adfProblems(c, `${path}.content[${i}]`));
  });
  return problems;
}

describe('Jira payload', () => {
  it('is a REST v3 create-issue body with project key, issue type and labels', () => {
    const body = renderPayload('jira', REQUESTED, pendingApproval(), CTX);
    assert.equal(body.fields.project.key, 'OPS');
    assert.equal(body.fields.issuetype.name, 'Change');
    assert.equal(
      body.fields.summary,
      '[Countersign] Approval requested: deploy in prod (payments-api)',
    );
    assert.ok(body.fields.summary.length <= 255 && !/\n/.test(body.fields.summary));
    assert.deepEqual(body.fields.labels, [
      'countersign',
      'prod',
      'countersign-requested',
      'posture-prod',
      'write',
    ]);
    for (const l of body.fields.labels) assert.doesNotMatch(l, /\s/);
  });

  it('describes the request in a valid Atlassian Document Format doc', () => {
    const { description } = renderPayload('jira', REQUESTED, pendingApproval(), CTX).fields;
    assert.deepEqual(adfProblems(description), []);
    const text = JSON.stringify(description);
    assert.ok(text.includes(SPEC_HASH));
    assert.ok(text.includes('prod (posture prod)'));
    assert.ok(text.includes('"Capabilities: "'));
    assert.ok(text.includes('still needed: sre'));
    assert.ok(text.includes(`{"type":"link","attrs":{"href":"${CONSOLE_LINK}"}}`));
  });

  it('the ADF check itself rejects an empty text node and a stray node type', () => {
    assert.notDeepEqual(
      adfProblems({
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }],
      }),
      [],
    );
    assert.notDeepEqual(
      adfProblems({ type: 'doc', version: 1, content: [{ type: 'text', text: 'x' }] }),
      [],
    );
  });

  it('marks break-glass in the first paragraph, the summary and the labels', () => {
    const event = { kind: 'break_glass', at: '2026-01-01T00:00:00.000Z' } as const;
    const body = renderPayload('jira', event, breakGlassApproval(), CTX);
    assert.deepEqual(adfProblems(body.fields.description), []);
    assert.match(JSON.stringify(body.fields.description.content[0]), /BREAK-GLASS/);
    assert.match(body.fields.summary, /BREAK-GLASS/);
    assert.ok(body.fields.labels.includes('break-glass'));
    assert.ok(JSON.stringify(body.fields.description).includes('INC-777'));
  });

  it('uses the example project for an unconfigured Jira', () => {
    const ctx = {
      ...CTX,
      config: { ...CTX.config, providers: { ...CTX.config.providers, jira: null } },
    };
    const body = renderPayload('jira', REQUESTED, pendingApproval(), ctx);
    assert.equal(body.fields.project.key, 'OPS');
    assert.equal(body.fields.issuetype.name, 'Task');
  });
});
