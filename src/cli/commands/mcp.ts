/**
 * `countersign mcp proxy … -- <command> [args…]`: the MCP gateway over stdio. Stdout carries the
 * MCP protocol only; diagnostics go to stderr.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { cliEnvironment } from '../../config/cli-env.js';
import { InputError } from '../../errors/index.js';
import { parseDuration } from '../../lib/duration.js';
import { EMPTY_TOOLS_CONFIG, parseToolsConfig, type ToolsConfig } from '../../mcp/tools-file.js';
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
        // the MCP SDK is loaded only by this command
        const { runProxy } = await import('../mcp-proxy.js');
        await runProxy({
          url: opts.url ?? env.url ?? DEFAULT_URL,
          token,
          command,
          args,
          environment: o.environment,
          project: o.project,
          tools,
          timeoutMs,
          progressIntervalMs,
          out,
        });
      });
    });
}
