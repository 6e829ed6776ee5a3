/** An error answer from the Countersign API, carrying its problem+json. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  details?: Record<string, unknown>;
}

/**
 * Thrown by the client for every non-2xx answer. `code` is the stable error code
 * (`self_approval`, `approval_not_pending`, `spec_hash_mismatch`, …).
 *
 * @example
 * ```ts
 * try { await client.approve(id, { reason: 'ok' }); }
 * catch (err) { if (err instanceof ApiError && err.code === 'already_reviewed') { … } }
 * ```
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: ProblemDetails;
  constructor(problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}
