/**
 * Who a Slack user is to Countersign: only what the operator configured. A Slack user id or a
 * verified e-mail maps to a subject and groups; Slack user groups map to external groups; the
 * external groups then go through `identity.rbac.groupMappings` exactly like OIDC groups. A user
 * none of this names is nobody (null): no principal, no review.
 *
 * The principal id is the configured `subject` (so an operator can make a Slack user the same
 * person as their OIDC sign-in, `oidc:<issuer>#<sub>`, and separation of duties and one review
 * per person hold across both), else `slack:<team>/<user>`, which never collides with an OIDC
 * subject. The fingerprint is always `slack:<team>/<user>`.
 */
import type {
  RbacConfig,
  SlackIdentityEntry,
  SlackInteractiveConfig,
} from '../../config/config-types.js';
import type { Principal } from '../../domain/principal.js';
import { mapGroups, scopesFor } from '../../identity/rbac.js';
import type { SlackApi } from './web-api.js';

export interface SlackUser {
  readonly id: string;
  readonly teamId: string;
  /** Slack's user name, for display only. */
  readonly name: string;
}

function ownEntry<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** The confirmed e-mail of a user of this workspace, or null (users.info, users:read.email). */
async function verifiedEmail(user: SlackUser, api: SlackApi): Promise<string | null> {
  const r = await api.read('users.info', { user: user.id });
  if (!r.ok) return null;
  const u = (r.json as { user?: Record<string, unknown> } | null)?.user;
  if (!u || u.deleted === true || u.is_bot === true) return null;
  // a Slack Connect guest from another workspace is not this workspace's user
  if (u.team_id !== user.teamId) return null;
  if (u.is_email_confirmed !== true) return null;
  const email = (u.profile as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email !== '' ? email.toLowerCase() : null;
}

/** External groups from the configured Slack user groups this user is a member of. */
async function userGroupGroups(
  user: SlackUser,
  cfg: SlackInteractiveConfig,
  api: SlackApi,
): Promise<string[]> {
  const out: string[] = [];
  for (const [groupId, groups] of Object.entries(cfg.userGroups)) {
    const r = await api.read('usergroups.users.list', { usergroup: groupId });
    const users = (r.json as { users?: unknown } | null)?.users;
    if (r.ok && Array.isArray(users) && users.includes(user.id)) out.push(...groups);
  }
  return out;
}

/** The principal a Slack user acts as, or null when configuration does not name them. */
export async function resolveSlackPrincipal(
  user: SlackUser,
  cfg: SlackInteractiveConfig,
  rbac: RbacConfig,
  api: SlackApi,
): Promise<Principal | null> {
  let entry: SlackIdentityEntry | undefined = ownEntry(cfg.users, user.id);
  if (entry === undefined && Object.keys(cfg.emails).length > 0) {
    const email = await verifiedEmail(user, api);
    if (email !== null) entry = ownEntry(cfg.emails, email);
  }
  const fromUserGroups = await userGroupGroups(user, cfg, api);
  if (entry === undefined && fromUserGroups.length === 0) return null;
  const fingerprint = `slack:${user.teamId}/${user.id}`;
  const groups = mapGroups([...(entry?.groups ?? []), ...fromUserGroups], rbac);
  return {
    id: entry?.subject ?? fingerprint,
    kind: 'user',
    name: `${user.name} (Slack)`,
    groups,
    // what every person may do, plus what rbac.scopes grants their groups; never admin by default
    scopes: scopesFor(groups, rbac),
    fingerprint,
  };
}
