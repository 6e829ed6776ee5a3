/**
 * The MCP gateway: an MCP server that stands in front of a downstream MCP server. It lists the
 * downstream's tools unchanged and turns every `tools/call` into a Countersign action (kind and
 * risk tags from the tools file, target `<server>/<tool>`, spec `{tool, arguments}`). Policy
 * `allow` forwards the call; `require_approval` opens a request and waits for it (progress
 * notifications while it waits), passes the credential through the gate and forwards the call
 * once; anything else answers with a tool error naming the reason code.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  ListToolsResultSchema,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type CallToolResult,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../client/api-error.js';
import type { CountersignClient } from '../client/http-client.js';
import { ApprovalRejectedError } from '../client/resume.js';
import type { ActionInput, Approval } from '../client/types.js';
import { classifyTool, type ToolsConfig } from './tools-file.js';

export interface GatewayOptions {
  /** The Countersign API (key with `approvals:request` and `gate:check`). */
  readonly countersign: CountersignClient;
  /** The downstream MCP server, already connected. */
  readonly downstream: Client;
  readonly environment: string;
  readonly project: string;
  readonly tools: ToolsConfig;
  /** How long a call waits for its approval before it fails with `timeout`. */
  readonly timeoutMs: number;
  /** Between progress notifications while a call waits (default 15 s). */
  readonly progressIntervalMs?: number;
  /** How long a forwarded call may run at the downstream (default 10 min). */
  readonly forwardTimeoutMs?: number;
  readonly version: string;
  /** Diagnostics (stderr; stdout is the MCP channel). */
  readonly log?: (line: string) => void;
}

/** A downstream failure, kept apart from Countersign's answers so it is passed on as it was. */
class DownstreamFailure extends Error {
  constructor(readonly original: unknown) {
    super('downstream call failed');
  }
}

/** A tool result that says why Countersign did not let the call through. */
export function refusal(
  target: string,
  code: string,
  reasonCode: string | null,
  message: string,
  approval: Approval | null = null,
): CallToolResult {
  const why = reasonCode && reasonCode !== code ? `${code} (${reasonCode})` : code;
  return {
    isError: true,
    content: [{ type: 'text', text: `Countersign refused ${target}: ${why}: ${message}` }],
    _meta: {
      'countersign/code': code,
      ...(reasonCode ? { 'countersign/reasonCode': reasonCode } : {}),
      ...(approval ? { 'countersign/approvalId': approval.id } : {}),
    },
  };
}

function refusalFor(target: string, err: unknown): CallToolResult {
  if (err instanceof ApprovalRejectedError) {
    return refusal(target, err.code, err.reasonCode, err.message, err.approval);
  }
  if (err instanceof ApiError) return refusal(target, err.code, null, err.message);
  const name = err instanceof Error ? err.name : '';
  const unreachable = err instanceof TypeError || name === 'TimeoutError';
  return refusal(
    target,
    unreachable ? 'unavailable' : 'internal',
    null,
    unreachable ? 'cannot reach the Countersign server' : 'the approval check failed',
  );
}

/** The server's name as the downstream reports it (`<server>/<tool>` targets use it). */
export function downstreamName(downstream: Client): string {
  return downstream.getServerVersion()?.name ?? 'mcp';
}

/**
 * Builds the gateway server; connect it to a transport (stdio for `countersign mcp proxy`).
 *
 * @example
 * ```ts
 * const server = createGateway({ countersign, downstream, environment: 'prod', project: 'agents',
 *   tools: EMPTY_TOOLS_CONFIG, timeoutMs: 600_000, version: '0.1.0' });
 * await server.connect(new StdioServerTransport());
 * ```
 */
export function createGateway(o: GatewayOptions): Server {
  const serverName = downstreamName(o.downstream);
  const instructions = o.downstream.getInstructions();
  const server = new Server(
    { name: serverName, version: o.downstream.getServerVersion()?.version ?? o.version },
    {
      capabilities: { tools: { listChanged: true } },
      ...(instructions ? { instructions } : {}),
    },
  );
  let known: Set<string> | null = null;

  async function listAll(): Promise<Set<string>> {
    const names = new Set<string>();
    let cursor: string | undefined;
    // bounded: a downstream paging forever is cut off after 100 pages
    for (let page = 0; page < 100; page++) {
      const r = await o.downstream.listTools(cursor ? { cursor } : {});
      for (const t of r.tools) names.add(t.name);
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    known = names;
    return names;
  }

  o.downstream.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    known = null;
    await server.sendToolListChanged().catch(() => undefined);
  });

  server.setRequestHandler(ListToolsRequestSchema, async (req, extra) =>
    o.downstream.request(
      { method: 'tools/list', params: req.params ?? {} },
      ListToolsResultSchema,
      {
        signal: extra.signal,
      },
    ),
  );

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const tool = req.params.name;
    // a tool the downstream does not have never becomes a request for reviewers to look at
    if (!(known ?? (await listAll())).has(tool) && !(await listAll()).has(tool)) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${tool}`);
    }
    const target = `${serverName}/${tool}`;
    const progressToken = req.params._meta?.progressToken;
    let progress = 0;
    const notify = (message: string): void => {
      if (progressToken === undefined) return;
      progress += 1;
      const n: ServerNotification = {
        method: 'notifications/progress',
        params: { progressToken, progress, message },
      };
      extra.sendNotification(n).catch(() => undefined);
    };
    const forward = (): Promise<CallToolResult> =>
      o.downstream
        .request({ method: 'tools/call', params: req.params }, CallToolResultSchema, {
          signal: extra.signal,
          timeout: o.forwardTimeoutMs ?? 10 * 60_000,
          resetTimeoutOnProgress: true,
          onprogress: (p) => notify(p.message ?? `${target} is running`),
        })
        .catch((err: unknown) => {
          throw new DownstreamFailure(err);
        }) as Promise<CallToolResult>;
    const action = toolAction(o, target, req.params);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await o.countersign.requireApproval(action, forward, {
        timeoutMs: o.timeoutMs,
        signal: extra.signal,
        request: { note: `MCP tool call ${target}` },
        onPending: (approval) => {
          const say = () => notify(`waiting for approval ${approval.id} of ${target}`);
          o.log?.(`${target}: waiting for approval ${approval.id}`);
          say();
          timer = setInterval(say, o.progressIntervalMs ?? 15_000);
          timer.unref();
        },
      });
    } catch (err) {
      if (err instanceof DownstreamFailure) throw err.original;
      if (extra.signal.aborted) throw err;
      const refused = refusalFor(target, err);
      o.log?.(`${target}: refused (${String(refused._meta?.['countersign/code'])})`);
      return refused;
    } finally {
      if (timer) clearInterval(timer);
    }
  });
  return server;
}

/** The action a tool call stands for. */
export function toolAction(
  o: Pick<GatewayOptions, 'environment' | 'project' | 'tools'>,
  target: string,
  params: CallToolRequest['params'],
): ActionInput {
  const cls = classifyTool(o.tools, params.name);
  return {
    kind: cls.kind,
    environment: o.environment,
    project: o.project,
    target,
    spec: { tool: params.name, arguments: params.arguments ?? {} },
    ...(cls.riskTags.length > 0 ? { riskTags: [...cls.riskTags] } : {}),
    reason: `MCP tool call ${target}`,
  };
}
