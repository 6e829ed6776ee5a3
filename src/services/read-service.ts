/** Reading requests, with what a reviewer needs to see and whether the caller may review. */
import type { RbacConfig } from '../config/config-types.js';
import type {
  ApprovalRequest,
  HistoryEntry,
  QuorumProgress,
  ReviewVerdict,
} from '../domain/approval.js';
import { effectiveState, quorumProgress, reviewRefusal } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { hasScope, principalRef } from '../domain/principal.js';
import { ConflictError } from '../errors/index.js';
import {
  EMPTY_RBAC,
  effectiveReviewerGroups,
  reviewableVerdicts,
  reviewerGroupsFor,
} from '../identity/rbac.js';
import type { ApprovalFilter, Page, PageRequest } from '../store/port.js';
import { redactUrlToOrigin } from '../notify/redact.js';
import {
  buildLinks,
  commitOf,
  type LinkTemplates,
  type Links,
  type LinkValues,
} from '../lib/link-templates.js';
import {
  assertRequesterOrAdmin,
  assertScope,
  isAdmin,
  isRequester,
  mayCancel,
  mayRevoke,
} from './access.js';
import type { ServiceDeps } from './ports.js';

export type ReadDeps = Pick<ServiceDeps, 'store' | 'clock' | 'rbac'> &
  Partial<Pick<ServiceDeps, 'policy' | 'linkTemplates'>>;

/** What a view needs besides the request and the viewer (policy facts, link templates). */
export type ViewContext = Partial<Pick<ServiceDeps, 'policy' | 'linkTemplates'>>;

export interface ApprovalView extends Omit<ApprovalRequest, 'history'> {
  /** Each entry with the display name of who did it (`actorName`), resolved by the server. */
  history: (HistoryEntry & { actorName: string })[];
  /** The state as of now: a pending request past its expiry reads as expired. */
  state: ApprovalRequest['state'];
  storedState: ApprovalRequest['state'];
  progress: QuorumProgress;
  canReview: boolean;
  /** Why the caller cannot review, as an error code, or null. */
  cannotReviewReason: string | null;
  /** The verdicts the caller may cast now (a repository permission may allow deny only). */
  reviewVerdicts: ReviewVerdict[];
  /** The Slack message, Jira issue or ServiceNow change kept for this request (`get` only). */
  records?: RecordView[];
  /**
   * Whether the action's spec hash is a registered pipeline version of its project, and which:
   * present on single reads (`get`), absent on lists and streams.
   */
  registeredVersion?: RegisteredVersion | null;
  /** Whether an approve must state a reason (policy `approvalReason`); a deny always must. */
  reasonRequired: boolean;
  /** Whether the caller may cancel it now (pending; requester or admin). */
  canCancel: boolean;
  /** Whether the caller may revoke it now (approved; admin, approver, break-glass reviewer). */
  canRevoke: boolean;
  /** The policy's description of the matched rule, or null. */
  ruleDescription: string | null;
  /** Links for the repository, workflow, run and commit the action names (`console.links`). */
  links: Links;
}

/** A registry entry as reviewers see it. */
export interface RegisteredVersion {
  version: string;
  registeredAt: string;
  registeredBy: string;
}

/** An external record of a request: Slack message ts (and channel), Jira key, ServiceNow sys_id. */
export interface RecordView {
  provider: string;
  key: string;
  channel: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One display name per principal: the name recorded with it, else the request's own people. */
function withActorNames(req: ApprovalRequest): ApprovalView['history'] {
  const names = new Map<string, string>([[req.requestedBy.id, req.requestedBy.name]]);
  for (const r of req.reviews) names.set(r.reviewer.id, r.reviewer.name);
  return req.history.map((e) => ({
    ...e,
    actorName: e.actorName ?? names.get(e.actor) ?? e.actor,
  }));
}

function linksOf(req: ApprovalRequest, templates: LinkTemplates | undefined): Links {
  if (!templates) return {};
  const a = req.action;
  const values: LinkValues = { project: a.project, environment: a.environment };
  if (a.repository) values.repository = a.repository;
  if (a.workflow) values.workflow = a.workflow;
  if (a.runId) values.runId = a.runId;
  if (a.stepId) values.stepId = a.stepId;
  const commit = commitOf(a.spec);
  if (commit) values.commit = commit;
  return buildLinks(templates, values);
}

export function viewApproval(
  req: ApprovalRequest,
  viewer: Principal,
  nowMs: number,
  rbac: RbacConfig = EMPTY_RBAC,
  ctx: ViewContext = {},
): ApprovalView {
  // eligible for either verdict: held or mapped groups, or a repository delegation
  const held = reviewerGroupsFor(viewer, req);
  const groups = [
    ...new Set([
      ...effectiveReviewerGroups(req, held, 'approve', rbac),
      ...effectiveReviewerGroups(req, held, 'deny', rbac),
    ]),
  ];
  let refusal: string | null = reviewRefusal(req, principalRef(viewer), groups, nowMs);
  if (refusal === null && !hasScope(viewer, 'approvals:review')) refusal = 'forbidden';
  const state = effectiveState(req, nowMs);
  return {
    ...req,
    history: withActorNames(req),
    // the callback URL may carry a secret: in full only to the requester and admins
    callbackUrl:
      req.callbackUrl === null || isRequester(viewer, req) || isAdmin(viewer)
        ? req.callbackUrl
        : redactUrlToOrigin(req.callbackUrl),
    state,
    storedState: req.state,
    progress: quorumProgress(req.quorum, req.reviews),
    canReview: refusal === null,
    cannotReviewReason: refusal,
    reviewVerdicts: refusal === null ? reviewableVerdicts(req, held, rbac) : [],
    reasonRequired: ctx.policy?.approvalReasonRequired?.(req.action.environment) ?? true,
    canCancel: state === 'pending' && mayCancel(viewer, req),
    canRevoke: state === 'approved' && mayRevoke(viewer, req),
    ruleDescription: ctx.policy?.describeRule?.(req.decision.matchedRule) ?? null,
    links: linksOf(req, ctx.linkTemplates),
  };
}

export function createReadService(deps: ReadDeps) {
  const rbac = deps.rbac ?? EMPTY_RBAC;
  const ctx: ViewContext = {
    ...(deps.policy ? { policy: deps.policy } : {}),
    ...(deps.linkTemplates ? { linkTemplates: deps.linkTemplates } : {}),
  };
  function assertReader(p: Principal): void {
    assertScope(p, 'approvals:request', 'approvals:review', 'audit:read', 'gate:check');
  }

  async function get(p: Principal, id: string): Promise<ApprovalView> {
    assertReader(p);
    const req = await deps.store.getApproval(id);
    if (!req) throw new ConflictError('not_found', `approval ${id} not found`);
    const [v, records] = await Promise.all([
      deps.store.findPipelineVersion(req.action.project, req.action.specHash),
      deps.store.listNotificationRecords(id),
    ]);
    return {
      ...viewApproval(req, p, deps.clock.now(), rbac, ctx),
      registeredVersion: v
        ? { version: v.version, registeredAt: v.registeredAt, registeredBy: v.registeredBy }
        : null,
      records: records.map(({ provider, key, channel, createdAt, updatedAt }) => ({
        provider,
        key,
        channel,
        createdAt,
        updatedAt,
      })),
    };
  }

  async function list(
    p: Principal,
    filter: ApprovalFilter,
    page: PageRequest,
  ): Promise<Page<ApprovalView>> {
    assertReader(p);
    const nowMs = deps.clock.now();
    const result = await deps.store.listApprovals(filter, page);
    return {
      items: result.items.map((r) => viewApproval(r, p, nowMs, rbac, ctx)),
      nextCursor: result.nextCursor,
    };
  }

  /** The request as `p` sees it, for a change already in hand (streams); checks read access. */
  function view(p: Principal, req: ApprovalRequest): ApprovalView {
    assertReader(p);
    return viewApproval(req, p, deps.clock.now(), rbac, ctx);
  }

  /**
   * The approval this request follows: the newest approved request for the same environment,
   * project and kind created before it (what a reviewer compares the spec with), or null.
   */
  async function previous(p: Principal, id: string): Promise<ApprovalView | null> {
    const req = await get(p, id);
    const prev = await deps.store.findPreviousApproved({
      environment: req.action.environment,
      project: req.action.project,
      kind: req.action.kind,
      before: req.createdAt,
      excludeId: req.id,
    });
    return prev ? viewApproval(prev, p, deps.clock.now(), rbac, ctx) : null;
  }

  /**
   * What the break-glass form offers: environments that allow it (with who may declare, which
   * groups may answer, the longest expiry, whether an incident id is needed) and known projects.
   */
  async function breakGlassOptions(p: Principal) {
    assertScope(p, 'approvals:request');
    const environments = (deps.policy?.breakGlassEnvironments?.() ?? []).map((e) => ({
      ...e,
      mayDeclare: p.groups.some((g) => e.declarerGroups.includes(g)),
    }));
    return { environments, projects: await deps.store.listProjects(500) };
  }

  /** A request, for its requester or an admin (`what` completes "only … can"). */
  async function getOwn(p: Principal, id: string, what: string): Promise<ApprovalView> {
    const found = await get(p, id);
    assertRequesterOrAdmin(p, found, what);
    return found;
  }

  return { get, getOwn, list, view, previous, breakGlassOptions };
}

export type ReadService = ReturnType<typeof createReadService>;
