/**
 * Registry failures as errors that keep the facts (method, redacted URL, status, OCI error codes,
 * transient) with a one-line message naming the image or host. Never quotes headers or bodies
 * beyond the OCI error codes, so no token or password can end up in a message.
 */
import { AuthError, NotFoundError, RegistryError } from '../errors.js';
import { redactUrl } from './endpoint.js';
import { isTransientStatus } from './retry.js';

/** OCI distribution error codes from an error body: {"errors":[{"code":"MANIFEST_UNKNOWN",…}]}. */
export function errorCodes(body: string): string[] {
  try {
    const doc: unknown = JSON.parse(body);
    const errors = (doc as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    return errors
      .map((e: unknown) => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined))
      .filter((c): c is string => typeof c === 'string' && /^[A-Z_]{1,64}$/.test(c));
  } catch {
    return [];
  }
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN']);

/** `what` names the subject: "127.0.0.1:5000/library/busybox:1.36". */
export function responseError(what: string, method: string, url: string, status: number, body: string): RegistryError {
  const codes = errorCodes(body);
  const facts = { method, url: redactUrl(url), status, codes, transient: isTransientStatus(status) };
  const detail = `${method} ${facts.url}: HTTP ${status}${codes.length > 0 ? ` ${codes.join(', ')}` : ''}`;
  if (status === 401 || status === 403 || codes.includes('UNAUTHORIZED') || codes.includes('DENIED')) {
    return new AuthError(`${what}: not authorized (${detail})`, facts);
  }
  if (status === 404 || codes.some((c) => NOT_FOUND_CODES.has(c))) return new NotFoundError(`${what}: not found (${detail})`, facts);
  return new RegistryError(`${what}: registry error (${detail})`, facts);
}

/**
 * Failures a retry cannot fix: TLS verification (configuration), bad arguments, and a request body
 * whose length differs from the size we declared (the caller's content is wrong).
 */
const PERMANENT_NETWORK = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_INVALID|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED|UND_ERR_REQ_CONTENT_LENGTH_MISMATCH/;

/** Network-level failures (reset, refused, timeouts, closed mid-body) that a retry may fix. */
export function isTransientNetworkError(err: unknown): boolean {
  if (err instanceof RegistryError) return err.transient;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return !PERMANENT_NETWORK.test(code) && (code.startsWith('UND_ERR') || /^E[A-Z]+$/.test(code));
}

/** A failure before any status arrived, as a RegistryError. */
export function networkError(what: string, method: string, url: string, err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
  const facts = { method, url: redactUrl(url), transient: isTransientNetworkError(err), cause: err };
  return new RegistryError(`${what}: network error (${method} ${facts.url}: ${reason})`, facts);
}
