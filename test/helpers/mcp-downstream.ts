/**
 * A small real MCP server over stdio (the SDK's McpServer), standing in for a tool server behind
 * the gateway. Every call it runs is appended as a JSON line to the file named by MCP_CALL_LOG,
 * so tests can count exactly how often a call reached it.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const log = process.env.MCP_CALL_LOG;

function record(tool: string, args: unknown): void {
  if (log) appendFileSync(log, `${JSON.stringify({ tool, args })}\n`);
}

const server = new McpServer({ name: 'fixture-tools', version: '1.2.3' });

server.registerTool(
  'read_status',
  { description: 'Reads the status of a service', inputSchema: { service: z.string() } },
  async ({ service }) => {
    record('read_status', { service });
    return { content: [{ type: 'text', text: `${service} is healthy` }] };
  },
);

server.registerTool(
  'deploy_service',
  {
    description: 'Deploys a version of a service',
    inputSchema: { service: z.string(), version: z.string() },
  },
  async ({ service, version }) => {
    record('deploy_service', { service, version });
    return { content: [{ type: 'text', text: `deployed ${service} ${version}` }] };
  },
);

server.registerTool(
  'drop_database',
  { description: 'Drops a database', inputSchema: { name: z.string() } },
  async ({ name }) => {
    record('drop_database', { name });
    return { content: [{ type: 'text', text: `dropped ${name}` }] };
  },
);

await server.connect(new StdioServerTransport());
