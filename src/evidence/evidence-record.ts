/**
 * The request document against its signed events, field by field: the requester against the
 * creation event's actor, every review against its review event (or the break-glass event), the
 * break-glass evidence against the break-glass event, and every history entry against the event
 * it describes. The document is untrusted: only what an event carries counts, and every
 * difference names the field. Inputs have passed parseEvidenceBundle, but are still untrusted.
 */
import { jcs } from '../lib/hash.js';
import type { EvidenceBundle, EvidenceEvent, EvidenceProblem } from './evidence-types.js';

/**
 * How much earlier than its event a time in the request may be. The services read the clock for
 * the request and again for the event, in the same transaction, so the two may differ by the
 * time in between (break-glass signs its credential in between); a record is never later than its
 * event.
 */
export const RECORD_EVENT_WINDOW_MS = 60_000;
/** Differences reported for one bundle; a wholly forged request need not be listed in full. */
const MAX_PROBLEMS = 50;

const REVIEW_EVENTS: readonly string[] = [
  'approval.reviewed',
  'approval.approved',
  'approval.denied',
];

/** The history entries each event writes, in order. */
const HISTORY_OF: Readonly<Record<string, readonly string[]>> = {
  'approval.requested': ['requested'],
  'approval.reviewed': ['reviewed'],
  'approval.approved': ['reviewed', 'approved'],
  'approval.denied': ['reviewed', 'denied'],
  'approval.expired': ['expired'],
  'approval.cancelled': ['cancelled'],
  'approval.revoked': ['revoked'],
  'approval.break_glass': ['break_glass'],
};

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function same(x: unknown, y: unknown): boolean {
  if (x === undefined || y === undefined) return x === y;
  try {
    return jcs(x) === jcs(y);
  } catch {
    return false;
  }
}

/** A time of the request agrees with its event's time: not later, and not much earlier. */
function sameMoment(recordAt: unknown, eventAt: unknown): boolean {
  if (typeof recordAt !== 'string' || typeof eventAt !== 'string') return false;
  const r = Date.parse(recordAt);
  const e = Date.parse(eventAt);
  return Number.isFinite(r) && Number.isFinite(e) && r <= e && e - r <= RECORD_EVENT_WINDOW_MS;
}

/** A non-empty string, else undefined: history entries carry a reason or ref only when given. */
function given(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A history entry as the event that wrote it says it must read. */
interface ExpectedEntry {
  event: string;
  actor: unknown;
  at: unknown;
  /** Whether the event carries the entry's reason (a request's reason is its action's). */
  checkReason: boolean;
  reason: unknown;
  externalRef: string | undefined;
  source: EvidenceEvent;
}

function expectedHistory(events: readonly EvidenceEvent[]): ExpectedEntry[] {
  const out: ExpectedEntry[] = [];
  for (const e of events) {
    const names = HISTORY_OF[e.event.type];
    if (!names) continue;
    const details = obj(e.event.details);
    for (const name of names) {
      let reason: unknown;
      let externalRef: string | undefined;
      switch (name) {
        case 'requested':
          break;
        case 'reviewed':
        case 'break_glass':
          reason = details.reason;
          externalRef = given(details.externalRef);
          break;
        case 'approved':
        case 'denied':
          reason = undefined;
          break;
        default:
          reason = given(details.reason);
      }
      out.push({
        event: name,
        actor: obj(e.event.actor).id,
        at: e.event.at,
        checkReason: name !== 'requested',
        reason,
        externalRef,
        source: e,
      });
    }
  }
  return out;
}

/** Compares the request in `b` with its own events (`events`, in the bundle's order). */
export function checkRecord(
  b: EvidenceBundle,
  events: readonly EvidenceEvent[],
): EvidenceProblem[] {
  const a = b.approval as unknown as Obj;
  const problems: EvidenceProblem[] = [];
  const fail = (message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ code: 'state_mismatch', message });
  };
  const expect = (ok: boolean, path: string, e: EvidenceEvent) => {
    if (!ok) fail(`${path} differs from event ${e.index} (${e.event.type})`);
  };
  const samePrincipal = (who: unknown, path: string, e: EvidenceEvent) => {
    const p = obj(who);
    const actor = obj(e.event.actor);
    for (const k of ['id', 'kind', 'name']) {
      expect(typeof p[k] === 'string' && p[k] === actor[k], `${path}/${k}`, e);
    }
  };

  // the requester and the request's own fields: the creation event
  const creation = events.find(
    (e) => e.event.type === 'approval.requested' || e.event.type === 'approval.break_glass',
  );
  const breakGlassEvent = events.find((e) => e.event.type === 'approval.break_glass');
  if (creation) {
    const details = obj(creation.event.details);
    samePrincipal(a.requestedBy, '/approval/requestedBy', creation);
    expect(sameMoment(a.createdAt, creation.event.at), '/approval/createdAt', creation);
    expect(a.expiresAt === details.expiresAt, '/approval/expiresAt', creation);
    if (creation.event.type === 'approval.requested') {
      expect(same(a.approverGroups, details.approverGroups), '/approval/approverGroups', creation);
      expect(same(a.quorum, details.quorum), '/approval/quorum', creation);
    } else {
      expect(same(a.approverGroups, [details.approverGroup]), '/approval/approverGroups', creation);
    }
  }

  // break-glass evidence
  const bg = a.breakGlass;
  if (bg !== null && breakGlassEvent) {
    const info = obj(bg);
    const details = obj(breakGlassEvent.event.details);
    expect(info.reason === details.reason, '/approval/breakGlass/reason', breakGlassEvent);
    expect(
      info.approverGroup === details.approverGroup,
      '/approval/breakGlass/approverGroup',
      breakGlassEvent,
    );
    expect(
      same(info.externalRef ?? null, details.externalRef ?? null),
      '/approval/breakGlass/externalRef',
      breakGlassEvent,
    );
  }

  // reviews: a break-glass request's first review is its declaration; the rest have review events
  const reviews = Array.isArray(a.reviews) ? (a.reviews as unknown[]) : [];
  const reviewEvents = events.filter((e) => REVIEW_EVENTS.includes(e.event.type));
  const declared = bg !== null ? 1 : 0;
  if (reviews.length !== reviewEvents.length + declared) {
    fail(
      `the request has ${reviews.length} reviews, the events record ${reviewEvents.length + declared}`,
    );
  }
  if (bg !== null && breakGlassEvent && reviews.length > 0) {
    const r = obj(reviews[0]);
    const details = obj(breakGlassEvent.event.details);
    const path = '/approval/reviews/0';
    samePrincipal(r.reviewer, `${path}/reviewer`, breakGlassEvent);
    expect(r.verdict === 'approve', `${path}/verdict`, breakGlassEvent);
    expect(r.reason === details.reason, `${path}/reason`, breakGlassEvent);
    expect(
      same(r.externalRef ?? null, details.externalRef ?? null),
      `${path}/externalRef`,
      breakGlassEvent,
    );
    // the declarer's own groups; events written before they were recorded name the approver group
    const declared = Array.isArray(details.declarerGroups)
      ? details.declarerGroups
      : [details.approverGroup];
    expect(same(r.groups, declared), `${path}/groups`, breakGlassEvent);
    expect(sameMoment(r.at, breakGlassEvent.event.at), `${path}/at`, breakGlassEvent);
  }
  reviewEvents.forEach((e, i) => {
    const at = i + declared;
    if (at >= reviews.length) return;
    const r = obj(reviews[at]);
    const details = obj(e.event.details);
    const path = `/approval/reviews/${at}`;
    samePrincipal(r.reviewer, `${path}/reviewer`, e);
    expect(r.verdict === details.verdict, `${path}/verdict`, e);
    expect(typeof r.reason === 'string' && r.reason === details.reason, `${path}/reason`, e);
    expect(same(r.externalRef ?? null, details.externalRef ?? null), `${path}/externalRef`, e);
    expect(same(r.groups, details.countedGroups), `${path}/groups`, e);
    expect(sameMoment(r.at, e.event.at), `${path}/at`, e);
  });

  // history: every entry is written by an event, in the events' order
  if (!Array.isArray(a.history)) {
    fail('/approval/history is not a list');
    return problems;
  }
  const history = a.history as unknown[];
  const expected = expectedHistory(events);
  const n = Math.max(history.length, expected.length);
  for (let i = 0; i < n; i++) {
    const want = expected[i];
    const path = `/approval/history/${i}`;
    if (want === undefined) {
      fail(`${path} is recorded by no event`);
      continue;
    }
    if (i >= history.length) {
      fail(
        `the history lacks the ${want.event} entry of event ${want.source.index} (${want.source.event.type})`,
      );
      continue;
    }
    const h = obj(history[i]);
    expect(h.event === want.event, `${path}/event`, want.source);
    expect(typeof h.actor === 'string' && h.actor === want.actor, `${path}/actor`, want.source);
    expect(sameMoment(h.at, want.at), `${path}/at`, want.source);
    if (want.checkReason) expect(h.reason === want.reason, `${path}/reason`, want.source);
    expect(h.externalRef === want.externalRef, `${path}/externalRef`, want.source);
  }
  return problems;
}
