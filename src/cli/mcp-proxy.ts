/** The MCP proxy of `countersign mcp proxy`: the MCP SDK on both sides of the gateway. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CountersignClient } from '../client/http-client.js';
import { downstreamEnvironment } from '../config/cli-env.js';
import { packageVersion } from '../lib/package-version.js';
import { createGateway } from '../mcp/gateway.js';
import type { ToolsConfig } from '../mcp/tools-file.js';
import type { Output } from './output.js';

export interface ProxyRun {
  url: string;
  token: string;
  command: string;
  args: string[];
  environment: string;
  project: string;
  tools: ToolsConfig;
  timeoutMs: number;
  progressIntervalMs: number;
  out: Output;
}

/** Resolves when stdin ends (the MCP client went away) or the downstream exits. */
function untilClosed(downstream: Client): Promise<string> {
  return new Promise((resolve) => {
    process.stdin.once('end', () => resolve('client closed the connection'));
    process.stdin.once('close', () => resolve('client closed the connection'));
    downstream.onclose = () => resolve('downstream server exited');
  });
}

export async function runProxy(r: ProxyRun): Promise<void> {
  const { out, command, args, tools, timeoutMs, progressIntervalMs } = r;
  const countersign = new CountersignClient({
    url: r.url,
    token: r.token,
  });
  const transport = new StdioClientTransport({
    command,
    args,
    env: downstreamEnvironment(),
    stderr: 'inherit',
  });
  const version = packageVersion();
  const downstream = new Client({ name: 'countersign-mcp-proxy', version });
  await downstream.connect(transport);
  const closed = untilClosed(downstream);
  const server = createGateway({
    countersign,
    downstream,
    environment: r.environment,
    project: r.project,
    tools,
    timeoutMs,
    progressIntervalMs,
    version,
    log: (line) => out.err(`countersign mcp proxy: ${line}`),
  });
  await server.connect(new StdioServerTransport());
  const why = await closed;
  out.err(`countersign mcp proxy: ${why}; stopping`);
  await server.close().catch(() => undefined);
  await downstream.close().catch(() => undefined);
  if (why.startsWith('downstream')) process.exitCode = 5;
}
