/**
 * `countersign/client`: a typed client for the Countersign API.
 *
 * @example
 * ```ts
 * import { CountersignClient, ApiError } from 'countersign/client';
 * const cs = new CountersignClient({ url: 'http://127.0.0.1:8080', token: 'cs_…' });
 * const decision = await cs.evaluate({ kind: 'deploy', environment: 'prod', project: 'shop', spec: { image: 'shop:1.4.2' } });
 * ```
 */
export { CountersignClient, type ClientOptions } from './http-client.js';
export { ApiError, type ProblemDetails } from './api-error.js';
export {
  ApprovalRejectedError,
  type GateResult,
  type RequireApprovalCode,
  type RequireApprovalOptions,
  type WaitOptions,
} from './resume.js';
export type * from './types.js';
