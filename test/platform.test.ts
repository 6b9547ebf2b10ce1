/** Platform parsing and normalisation, table-driven (containerd's platforms.Normalize rules). */
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import {
  comparePlatforms, formatPlatform, isArm64, isRealPlatform, normalizePlatform, parsePlatform, samePlatform, type Platform,
} from '../src/platform.js';

describe('parsePlatform + formatPlatform', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['aarch64', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/i386', 'linux/386'],
    ['linux/i686', 'linux/386'],
    ['Linux/ARM64', 'linux/arm64'],
    ['  linux/arm64  ', 'linux/arm64'],
    ['windows/amd64', 'windows/amd64'],
    ['linux/s390x', 'linux/s390x'],
  ];
  it.each(cases)('%j -> %s', (input, want) => {
    expect(formatPlatform(parsePlatform(input))).toBe(want);
  });
});

describe('parsePlatform: bad input is an InputError naming the value', () => {
  it.each(['', '/', 'linux/', '/arm64', 'linux/arm/v7/x', 'linux//v7', 'linux/arm 64', 'linux'])('%j', (input) => {
    expect(() => parsePlatform(input)).toThrow(InputError);
    expect(() => parsePlatform(input)).toThrow(`"${input}"`);
  });
});

describe('predicates', () => {
  const p = (os: string, architecture: string, variant?: string): Platform => (variant ? { os, architecture, variant } : { os, architecture });
  it.each([
    [p('linux', 'arm64'), true],
    [p('linux', 'arm64', 'v8'), true],
    [p('linux', 'aarch64'), true],
    [p('linux', 'arm', 'v7'), false],
    [p('darwin', 'arm64'), false],
    [p('linux', 'amd64'), false],
  ])('isArm64(%j) = %s', (platform, want) => {
    expect(isArm64(platform)).toBe(want);
  });

  it.each([
    [p('unknown', 'unknown'), false],
    [p('', 'amd64'), false],
    [p('linux', 'amd64'), true],
  ])('isRealPlatform(%j) = %s', (platform, want) => {
    expect(isRealPlatform(platform)).toBe(want);
  });

  it('samePlatform compares normalised forms', () => {
    expect(samePlatform(p('linux', 'arm64', 'v8'), p('linux', 'aarch64'))).toBe(true);
    expect(samePlatform(p('linux', 'arm'), p('linux', 'arm', 'v6'))).toBe(false);
  });

  it('normalizePlatform keeps an unknown variant of arm64', () => {
    expect(normalizePlatform(p('linux', 'arm64', 'v9'))).toEqual(p('linux', 'arm64', 'v9'));
  });

  it('comparePlatforms puts amd64, then arm64, then the rest in order', () => {
    const sorted = ['linux/s390x', 'linux/arm64', 'linux/arm/v7', 'linux/amd64', 'linux/386'].sort(comparePlatforms);
    expect(sorted).toEqual(['linux/amd64', 'linux/arm64', 'linux/386', 'linux/arm/v7', 'linux/s390x']);
  });
});
