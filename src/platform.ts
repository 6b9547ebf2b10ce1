/**
 * Platforms, normalised like containerd's platforms package (platforms.Normalize):
 * aarch64 -> arm64, arm64/v8 -> arm64, arm -> arm/v7, x86_64 -> amd64. No I/O.
 */
import { InputError } from './errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const LINUX_ARM64: Platform = { os: 'linux', architecture: 'arm64' };
export const LINUX_AMD64: Platform = { os: 'linux', architecture: 'amd64' };

const ARCH_ALIASES: Record<string, string> = {
  aarch64: 'arm64',
  x86_64: 'amd64',
  'x86-64': 'amd64',
  i386: '386',
  i686: '386',
  armhf: 'arm',
  armel: 'arm',
};

/** Normalise one platform (os, arch and variant lower-cased, aliases resolved). */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  const original = architecture;
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  if (architecture === 'arm64') {
    if (variant === 'v8' || variant === '8') variant = undefined;
  } else if (architecture === 'arm') {
    if (original === 'armel' && variant === undefined) variant = 'v6';
    if (variant === undefined) variant = 'v7';
    else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
  } else if (architecture === 'amd64') {
    if (variant === 'v1') variant = undefined;
  }
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  return out;
}

// A bare word is an architecture ("arm64" means linux/arm64); a bare OS would need a default
// architecture, and silent platform defaults hide exactly what this tool looks for.
const OS_NAMES = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'plan9']);
const PART = /^[A-Za-z0-9_.-]+$/;

/** Parse "os/arch[/variant]" (also a bare arch meaning linux/arch); InputError names the value. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  const bad = (why: string): never => {
    throw new InputError(`invalid platform "${text}": ${why}`);
  };
  if (parts.length > 3 || parts.some((p) => !PART.test(p))) bad('expected os/arch[/variant]');
  if (parts.length === 1) {
    if (OS_NAMES.has(parts[0]!.toLowerCase())) bad('an operating system alone; expected os/arch[/variant]');
    return normalizePlatform({ os: 'linux', architecture: parts[0]! });
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return normalizePlatform(p);
}

/** "linux/arm64", "linux/arm/v7". */
export function formatPlatform(p: Platform): string {
  const n = normalizePlatform(p);
  return n.variant ? `${n.os}/${n.architecture}/${n.variant}` : `${n.os}/${n.architecture}`;
}

export function samePlatform(a: Platform, b: Platform): boolean {
  return formatPlatform(a) === formatPlatform(b);
}

/** True for linux/arm64 (any v8 spelling). */
export function isArm64(p: Platform): boolean {
  return samePlatform(p, LINUX_ARM64);
}

/** Attestations and signatures are stored as unknown/unknown entries; they are not platforms. */
export function isRealPlatform(p: Platform): boolean {
  return p.os !== 'unknown' && p.architecture !== 'unknown' && p.os !== '' && p.architecture !== '';
}

/** Stable order: linux/amd64 first, then linux/arm64, then the rest alphabetically. */
export function comparePlatforms(a: string, b: string): number {
  const rank = (s: string): number => (s === 'linux/amd64' ? 0 : s === 'linux/arm64' ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}
