/**
 * When to try a registry request again, and how long to wait first. Pure: the caller passes the
 * clock and the random source so tests can pin both.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /**
   * Retries of a 429 (default 10): the server is pacing us, not failing. Were a third of requests
   * refused, 4 retries would still lose one request in 250, and a mirror run makes thousands.
   */
  rateLimitRetries?: number;
  /** First backoff step (default 200 ms); doubles per attempt. */
  baseMs: number;
  /** Upper bound for one wait, Retry-After included (default 10 s). */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, rateLimitRetries: 10, baseMs: 200, maxMs: 10_000 };

/** 429 and 5xx may succeed later; 501 (Not Implemented) and 505 never will. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT") to milliseconds from `now`;
 * undefined when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const when = Date.parse(v);
  if (!/[a-z]/i.test(v) || Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

/**
 * Wait before retry number `attempt` (1-based): exponential backoff, half fixed and half random,
 * so clients that failed together do not come back together. Retry-After wins when the server sent one,
 * but is capped so a hostile or confused server cannot park us for hours.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
