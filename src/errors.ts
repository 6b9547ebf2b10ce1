/** Errors that keep the facts: what was asked, of whom, and whether trying again may help. */

/** A value the user gave (reference, file, flag) is wrong. Maps to exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A reference string that does not follow the distribution grammar. */
export class InvalidReference extends InputError {
  override name = 'InvalidReference';
  constructor(readonly value: string, readonly reason: string) {
    super(`invalid image reference "${value}": ${reason}`);
  }
}

export interface RegistryErrorFacts {
  method: string;
  /** URL with credentials and query secrets removed. */
  url: string;
  status?: number;
  /** OCI error codes from the body, e.g. MANIFEST_UNKNOWN. */
  codes?: string[];
  /** True when a retry may succeed (429, 5xx, network). */
  transient?: boolean;
  cause?: unknown;
}

/** A registry answered with an error, or could not be reached. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly codes: string[];
  readonly transient: boolean;
  constructor(message: string, facts: RegistryErrorFacts) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.method = facts.method;
    this.url = facts.url;
    this.status = facts.status;
    this.codes = facts.codes ?? [];
    this.transient = facts.transient ?? false;
  }
}

/** 401/403 after the credentials we had (or had not). */
export class AuthError extends RegistryError {
  override name = 'AuthError';
}

/** 404 / MANIFEST_UNKNOWN / NAME_UNKNOWN / BLOB_UNKNOWN. */
export class NotFoundError extends RegistryError {
  override name = 'NotFoundError';
}

/** Content whose sha256 is not the digest it was asked by (or claimed). */
export class DigestMismatch extends Error {
  override name = 'DigestMismatch';
  constructor(readonly expected: string, readonly actual: string, readonly what: string) {
    super(`digest mismatch for ${what}: expected ${expected}, got ${actual}`);
  }
}

/** Thrown by commands to end with a given exit code; only the CLI entry point exits. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(readonly code: number, message = '') {
    super(message);
  }
}

/** One line for a user: no stack, the message of the error and of its causes when they add facts. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
