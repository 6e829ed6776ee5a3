/** The signed credential of an approved request, and who may fetch it. */
import type { Principal } from '../domain/principal.js';
import { ConflictError } from '../errors/index.js';
import { assertRequesterOrAdmin } from './access.js';
import type { ServiceDeps } from './ports.js';
import type { ReadService } from './read-service.js';

export interface CredentialView {
  approvalId: string;
  token: string;
  kid: string;
  jti: string;
  issuedAt: string;
  expiresAt: string;
}

export function createCredentialService(deps: Pick<ServiceDeps, 'store'> & { reads: ReadService }) {
  /** The stored credential of an approval (callers check who may see it). */
  async function get(approvalId: string): Promise<CredentialView | null> {
    const c = await deps.store.getCredential(approvalId);
    return c
      ? {
          approvalId,
          token: c.token,
          kid: c.kid,
          jti: c.jti,
          issuedAt: c.issuedAt,
          expiresAt: c.expiresAt,
        }
      : null;
  }

  /** The credential of an approved request, for its requester or an admin. */
  async function fetch(p: Principal, approvalId: string): Promise<CredentialView> {
    const view = await deps.reads.get(p, approvalId);
    assertRequesterOrAdmin(p, view, 'fetch the credential');
    if (view.state !== 'approved') {
      throw new ConflictError(
        'credential_not_ready',
        `approval ${view.id} is ${view.state}, not approved`,
      );
    }
    const cred = await get(view.id);
    if (!cred) {
      throw new ConflictError(
        'credential_not_ready',
        'no credential was issued (signing is not configured)',
      );
    }
    return cred;
  }

  return { get, fetch };
}

export type CredentialService = ReturnType<typeof createCredentialService>;
