/**
 * `countersign mcp proxy … -- <command> [args…]`: the MCP gateway over stdio. Stdout carries the
 * MCP protocol only; diagnostics go to stderr.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CountersignClient } from '../../client/http-client.js';
import { cliEnvironment, downstreamEnvironment } from '../../config/cli-env.js';
import { InputError } from '../../errors/index.js';
import { parseDuration } from '../../lib/duration.js';
import { createGateway } from '../../mcp/gateway.js';
import { EMPTY_TOOLS_CONFIG, parseToolsConfig, type ToolsConfig } from '../../mcp/tools-file.js';
import { packageVersion } from '../../main.js';
import { DEFAULT_URL, type GlobalOptions } from '../context.js';
import { runPlain } from '../run.js';

interface ProxyOptions {
  environment: string;
  project: string;
  tools?: string;
  timeout: string;
  progressInterval: string;
}

function duration(value: string, name: string): number {
  const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === undefined || ms === 0) {
    throw new InputError('validation_failed', `${name} is not a duration`, [
      { path: name, message: 'like 30s, 10m or 2h' },
    ]);
  }
  return ms;
}

function readTools(file: string | undefined): ToolsConfig {
  if (file === undefined) return EMPTY_TOOLS_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError('validation_failed', `cannot read ${file}`, [
      { path: '--tools', message: 'file not found or unreadable' },
    ]);
  }
  return parseToolsConfig(text, file);
}

/** Resolves when stdin ends (the MCP client went away) or the downstream exits. */
function untilClosed(downstream: Client): Promise<string> {
  return new Promise((resolve) => {
    process.stdin.once('end', () => resolve('client closed the connection'));
    process.stdin.once('close', () => resolve('client closed the connection'));
    downstream.onclose = () => resolve('downstream server exited');
  });
}

export function registerMcpCommands(program: Command): void {
  const mcp = program.command('mcp').description('gate the tool calls of AI agents (MCP)');
  mcp
    .command('proxy')
    .description(
      'an MCP server over stdio in front of <command>: every tool call is checked by policy, approved when it must be, then forwarded once',
    )
    .argument('<command>', 'the downstream MCP server (after --)')
    .argument('[args...]', 'its arguments')
    .requiredOption('--environment <env>', 'the Countersign environment of the calls')
    .requiredOption('--project <project>', 'the project the calls belong to')
    .option('--tools <file>', 'tools.yaml: kind and risk tags by tool-name glob')
    .option('--timeout <duration>', 'how long a call waits for approval', '10m')
    .option('--progress-interval <duration>', 'between progress notifications while waiting', '15s')
    .action((command: string, args: string[], o: ProxyOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      return runPlain({ ...opts, json: false }, async (out) => {
        const env = cliEnvironment();
        const token = opts.token ?? env.token;
        if (!token) {
          throw new InputError('validation_failed', 'the gateway needs an API key', [
            { path: '--token', message: 'pass --token or set COUNTERSIGN_TOKEN' },
          ]);
        }
        const tools = readTools(o.tools);
        const timeoutMs = duration(o.timeout, '--timeout');
        const progressIntervalMs = duration(o.progressInterval, '--progress-interval');
        const countersign = new CountersignClient({
          url: opts.url ?? env.url ?? DEFAULT_URL,
          token,
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
          environment: o.environment,
          project: o.project,
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
      });
    });
}
