/**
 * Why a server could not start, in words an operator can act on. Raised before anything is
 * served, so it never reaches an HTTP client; the CLI prints the code and message and exits 5.
 */
export type StartupErrorCode = 'address_in_use' | 'address_not_permitted' | 'store_locked';

export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly code: StartupErrorCode,
    message: string,
  ) {
    super(message);
  }
}
