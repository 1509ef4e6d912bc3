/**
 * Errors the user can act on. The CLI maps `kind` to its exit code; the extension shows `message` as is.
 * - `usage`: bad usage or bad input (exit 2)
 * - `failed`: the operation was attempted and failed (exit 1)
 */
const USER_ERROR = Symbol.for('aml-failover.UserError');

export class UserError extends Error {
  /** Marks every UserError, whichever bundle's copy of this class made it (see `Symbol.hasInstance`). */
  readonly [USER_ERROR] = true;

  constructor(
    message: string,
    readonly kind: 'usage' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'UserError';
  }

  /**
   * The CLI bundle and the sandbox bundle (dist/sandbox.js, loaded at run time) each carry their own copy of this
   * class, so a plain prototype check would miss a UserError thrown by the sandbox: `instanceof UserError` goes by
   * the mark instead. Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== UserError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[USER_ERROR] === true;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
