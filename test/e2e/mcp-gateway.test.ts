/**
 * `countersign mcp proxy` end to end: the SDK's own MCP client talks over stdio to the real CLI,
 * which wraps a real downstream MCP server (an SDK McpServer over stdio) and asks a real
 * Countersign server on loopback about every tool call.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { BIN } from '../helpers/cli.js';
import { startPolicyServer, type PolicyServer } from '../helpers/policy-server.js';

const DOWNSTREAM = fileURLToPath(new URL('../helpers/mcp-downstream.js', import.meta.url));

const POLICY = `
version: 1
environments:
  agents:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [ai-governance] }
rules:
  - id: mcp.read-only
    match: { kind: mcp_tool, riskTags: [read-only] }
    outcome: allow
  - id: mcp.destructive
    match: { kind: mcp_tool, riskTags: [destructive] }
    outcome: deny
  - id: mcp.tools
    match: { kind: mcp_tool }
    outcome: require_approval
    approvers: { groups: [ai-governance] }
defaults:
  requestTtl: 1h
`;

const TOOLS = `
tools:
  - match: "read_*"
    riskTags: [read-only]
  - match: ["drop_*", "delete_*"]
    riskTags: [destructive]
`;

interface TextResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  _meta?: Record<string, unknown>;
}

const text = (r: unknown) => (r as TextResult).content.map((c) => c.text ?? '').join('\n');

describe('MCP gateway: countersign mcp proxy', () => {
  let cs: PolicyServer;
  let dir: string;
  let callLog: string;
  let proxyKey: string;
  let reviewer: string;
  const clients: Client[] = [];

  const calls = (): { tool: string; args: Record<string, string> }[] =>
    existsSync(callLog)
      ? readFileSync(callLog, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];

  let shared: Client | undefined;
  /** One gateway for most tests (spawning one costs seconds on a busy machine). */
  async function gateway(): Promise<Client> {
    shared ??= await connect();
    return shared;
  }

  async function connect(extra: string[] = []): Promise<Client> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        BIN,
        'mcp',
        'proxy',
        '--url',
        cs.url,
        '--token',
        proxyKey,
        '--environment',
        'agents',
        '--project',
        'assistants',
        '--tools',
        join(dir, 'tools.yaml'),
        ...extra,
        '--',
        process.execPath,
        DOWNSTREAM,
      ],
      env: { ...(process.env as Record<string, string>), MCP_CALL_LOG: callLog },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  /** Calls a tool and resolves with its result, and with the first progress notification. */
  function callWithProgress(client: Client, name: string, args: Record<string, string>) {
    let firstProgress: (p: Progress) => void = () => undefined;
    const progressed = new Promise<Progress>((r) => (firstProgress = r));
    const result = client.callTool({ name, arguments: args }, undefined, {
      timeout: 60_000,
      onprogress: (p) => firstProgress(p),
    });
    return { result, progressed };
  }

  const approvalIdOf = (p: Progress): string => {
    const m = /waiting for approval (\S+)/.exec(p.message ?? '');
    assert.ok(m, `progress names the approval: ${p.message}`);
    return m[1] as string;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-mcp-'));
    callLog = join(dir, 'calls.jsonl');
    writeFileSync(join(dir, 'tools.yaml'), TOOLS);
    cs = await startPolicyServer({ policy: POLICY });
    proxyKey = await cs.addKey('agent-gateway', ['approvals:request', 'gate:check']);
    reviewer = await cs.addKey('governor', ['approvals:review'], ['ai-governance']);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await cs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lists the downstream tools unchanged', async () => {
    const client = await gateway();
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [DOWNSTREAM], stderr: 'pipe' }),
    );
    clients.push(direct);
    const viaProxy = await client.listTools();
    assert.deepEqual(viaProxy, await direct.listTools());
    assert.deepEqual(
      viaProxy.tools.map((t) => t.name),
      ['read_status', 'deploy_service', 'drop_database'],
    );
    assert.equal(client.getServerVersion()?.name, 'fixture-tools');
  });

  test('policy allow: the call is forwarded at once', async () => {
    const client = await gateway();
    const before = calls().length;
    const r = await client.callTool({ name: 'read_status', arguments: { service: 'shop' } });
    assert.equal(r.isError, undefined);
    assert.equal(text(r), 'shop is healthy');
    assert.deepEqual(calls().slice(before), [{ tool: 'read_status', args: { service: 'shop' } }]);
  });

  test('require_approval: waits with progress, then forwards exactly once after approval', async () => {
    const client = await gateway();
    const before = calls().length;
    const { result, progressed } = callWithProgress(client, 'deploy_service', {
      service: 'shop',
      version: '1.4.2',
    });
    const id = approvalIdOf(await progressed);
    assert.equal(calls().length, before, 'nothing forwarded while the request is pending');
    const pending = await cs.api<{
      state: string;
      action: { kind: string; target: string; spec: unknown; project: string };
    }>(reviewer, 'GET', `/v1/approvals/${id}`);
    assert.equal(pending.body.state, 'pending');
    assert.equal(pending.body.action.kind, 'mcp_tool');
    assert.equal(pending.body.action.target, 'fixture-tools/deploy_service');
    assert.equal(pending.body.action.project, 'assistants');
    assert.deepEqual(pending.body.action.spec, {
      tool: 'deploy_service',
      arguments: { service: 'shop', version: '1.4.2' },
    });
    const ok = await cs.api(reviewer, 'POST', `/v1/approvals/${id}/approve`, { reason: 'fine' });
    assert.equal(ok.status, 200);
    const r = await result;
    assert.equal(r.isError, undefined, text(r));
    assert.equal(text(r), 'deployed shop 1.4.2');
    assert.deepEqual(calls().slice(before), [
      { tool: 'deploy_service', args: { service: 'shop', version: '1.4.2' } },
    ]);
    // the single-use credential was spent at the gate: it cannot let a second call through
    const cred = await cs.api<{ token: string }>(proxyKey, 'GET', `/v1/approvals/${id}/credential`);
    const again = await cs.api<{ code: string }>(proxyKey, 'POST', '/v1/gate', {
      action: pending.body.action,
      credential: cred.body.token,
    });
    assert.equal(again.status, 403);
    assert.equal(again.body.code, 'credential_consumed');
  });

  test('policy deny: a tool error naming the reason code, nothing forwarded', async () => {
    const client = await gateway();
    const before = calls().length;
    const r = (await client.callTool({
      name: 'drop_database',
      arguments: { name: 'orders' },
    })) as TextResult;
    assert.equal(r.isError, true);
    assert.match(text(r), /^Countersign refused fixture-tools\/drop_database: policy_denied \(/);
    assert.equal(r._meta?.['countersign/code'], 'policy_denied');
    assert.equal(typeof r._meta?.['countersign/reasonCode'], 'string');
    assert.equal(calls().length, before);
  });

  test('a reviewer denies: a tool error with `denied`, nothing forwarded', async () => {
    const client = await gateway();
    const before = calls().length;
    const { result, progressed } = callWithProgress(client, 'deploy_service', {
      service: 'shop',
      version: '2.0.0',
    });
    const id = approvalIdOf(await progressed);
    const no = await cs.api(reviewer, 'POST', `/v1/approvals/${id}/deny`, { reason: 'not today' });
    assert.equal(no.status, 200);
    const r = (await result) as TextResult;
    assert.equal(r.isError, true);
    assert.match(text(r), /: denied: .*not today/);
    assert.equal(r._meta?.['countersign/code'], 'denied');
    assert.equal(r._meta?.['countersign/approvalId'], id);
    assert.equal(calls().length, before);
  });

  test('the wait times out: a tool error with `timeout`, nothing forwarded', async () => {
    const client = await connect(['--timeout', '1s']);
    const before = calls().length;
    const r = (await client.callTool({
      name: 'deploy_service',
      arguments: { service: 'shop', version: '3.0.0' },
    })) as TextResult;
    assert.equal(r.isError, true);
    assert.equal(r._meta?.['countersign/code'], 'timeout');
    assert.match(text(r), /timeout: approval \S+ is still pending/);
    assert.equal(calls().length, before);
  });

  test('an unknown tool is a protocol error and opens no request', async () => {
    const client = await gateway();
    const listed = await cs.api<{ items: unknown[] }>(reviewer, 'GET', '/v1/approvals?limit=100');
    await assert.rejects(
      client.callTool({ name: 'format_disk', arguments: {} }),
      /Unknown tool: format_disk/,
    );
    const after = await cs.api<{ items: unknown[] }>(reviewer, 'GET', '/v1/approvals?limit=100');
    assert.equal(after.body.items.length, listed.body.items.length);
  });
});
