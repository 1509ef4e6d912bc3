/**
 * Errors the user can act on. The CLI maps `kind` to its exit code; the extension shows `message` as is.
 * - `usage`: bad usage or bad input (exit 2)
 * - `failed`: the operation was attempted and failed (exit 1)
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly kind: 'usage' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
