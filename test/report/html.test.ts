import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml } from '../../src/audit/html.js';
import { component, image, report } from './audit-builders.js';
import { SAMPLE_REPORT, SAMPLE_TIME } from './sample-report.js';

const opts = { generatedAt: SAMPLE_TIME };

describe('renderHtml', () => {
  const page = renderHtml(SAMPLE_REPORT, opts);

  it('is one self-contained page: no script, no URL, nothing to fetch', () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).not.toMatch(/<(script|link|img|iframe|object|embed|base)\b/i);
    expect(page).not.toMatch(/\b(src|href|srcset|action|poster)\s*=/i);
    expect(page).not.toMatch(/https?:\/\/|url\(|@import/i);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });

  it('gives each component one row with its support in class and text', () => {
    const rows = page.match(/<tr data-component="[^"]*">[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(SAMPLE_REPORT.components.length);
    const efk = rows.find((r) => r.includes('data-component="EFK"'))!;
    expect(efk).toMatch(/<td class="cell-partial"><span class="support support-partial" data-support="partial"><span aria-hidden="true">◐<\/span> partial<\/span><\/td>/);
    expect(efk).toContain('data-support="unknown"');
  });

  it('shortens digests and keeps the full one in the title', () => {
    const d = SAMPLE_REPORT.images[0]!.digest!;
    expect(page).toContain(`<code class="digest" title="${d}">${d.slice(0, 19)}</code>`);
  });

  it('names release files without their URL', () => {
    expect(page).toContain('<div class="artifact">release file <code>runsc</code>: amd64 present, arm64 absent</div>');
  });

  it('shows when the audit ran, and the alternates used', () => {
    expect(page).toContain('<time datetime="2025-01-06T03:00:00Z">2025-01-06 03:00 UTC</time>');
    expect(page).toContain('<code>docker.io/carlosedp/kube-state-metrics:v1.8.0</code>');
    expect(page).toContain('4 only through an alternate');
  });

  it('marks an image it could not inspect as unknown, with the registry error', () => {
    const row = page.match(/<tr data-image="docker.elastic.co\/kibana\/kibana:6.6.1">[\s\S]*?<\/tr>/)?.[0] ?? '';
    expect(row).toContain('data-support="unknown"');
    expect(row).toContain('<div class="error">manifest unknown: tag 6.6.1 not found</div>');
  });

  it('is the same bytes for the same input', () => {
    expect(renderHtml(SAMPLE_REPORT, opts)).toBe(page);
  });

  it('escapes every value taken from manifests and registries', () => {
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const evil = renderHtml(report(
      [image('quay.io/x/y:1', {
        status: 'error', error: hostile, components: [hostile], note: hostile,
      }), image('quay.io/x/z:1', { platforms: [`linux/arm64${hostile}`], arm64Alternative: `docker.io/a/b:1${hostile}` })],
      [component(hostile, { images: [hostile] })],
    ), { generatedAt: hostile });
    expect(evil).not.toMatch(/<script|<img|onerror=alert\(\d\)>/);
    expect(evil).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(evil).toContain(`<tr data-component="&quot;&gt;&lt;script&gt;`);
  });
});

describe('escapeHtml', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<x y="1">', '&lt;x y=&quot;1&quot;&gt;'],
    ["it's", 'it&#39;s'],
    ['plain', 'plain'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});
