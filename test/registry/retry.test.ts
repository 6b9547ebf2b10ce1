import { expect, test } from 'vitest';
import { isTransientStatus, parseRetryAfter, retryDelay } from '../../src/registry/retry.js';

const policy = { retries: 4, baseMs: 100, maxMs: 1_000 };

test.each([
  [1, 0, 50], [1, 1, 100], [2, 0, 100], [2, 1, 200], [3, 0.5, 300], [4, 1, 800],
  // capped at maxMs however many attempts
  [10, 1, 1_000], [10, 0, 500],
])('retryDelay(attempt %i, random %d) = %i ms', (attempt, r, ms) => {
  expect(retryDelay(attempt, policy, undefined, () => r)).toBe(ms);
});

test('Retry-After wins over backoff, capped at maxMs', () => {
  expect(retryDelay(1, policy, 700, () => 0)).toBe(700);
  expect(retryDelay(1, policy, 3_600_000, () => 0)).toBe(1_000);
  expect(retryDelay(3, policy, 0, () => 1)).toBe(0);
});

const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
test.each([
  ['120', 120_000],
  [' 3 ', 3_000],
  ['Wed, 21 Oct 2015 07:28:05 GMT', 5_000],
  ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
  ['soon', undefined],
  ['-1', undefined],
  ['1.5', undefined],
  [undefined, undefined],
])('parseRetryAfter(%j) = %j', (value, ms) => {
  expect(parseRetryAfter(value, now)).toBe(ms);
});

test.each([
  [429, true], [500, true], [502, true], [503, true], [504, true], [408, true],
  [501, false], [505, false], [400, false], [401, false], [404, false], [200, false],
])('isTransientStatus(%i) = %s', (status, transient) => {
  expect(isTransientStatus(status)).toBe(transient);
});
