/** Progress output: redrawn lines with a bytes bar on a terminal, one line per image elsewhere, nothing with --quiet. */
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, progressBar } from '../../src/mirror/progress.js';
import { renderSummary, summarize } from '../../src/mirror/summary.js';

describe('progress', () => {
  it('formats bytes and the bar', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(progressBar(50, 100, 10)).toBe('[#####-----] 50 B / 100 B');
    expect(progressBar(0, 0, 4)).toBe('[----] 0 B / 0 B');
  });

  it('on a terminal, redraws in-flight images and the total bar in place', () => {
    let out = '';
    const p = createProgress({ interactive: true, quiet: false, write: (t) => { out += t; }, interval: 60_000, columns: 60 });
    p.start('docker.io/library/a:1');
    p.start('docker.io/library/b:1');
    p.expect(2048);
    p.bytes('docker.io/library/a:1', 1024);
    p.finish('docker.io/library/b:1', 'copied docker.io/library/b:1');
    const first = out;
    expect(first).toContain('\x1b[2Kcopied docker.io/library/b:1\n');
    expect(first).toContain('\x1b[2K  docker.io/library/a:1  1.0 KiB\n');
    expect(first).toContain('[############------------] 1.0 KiB / 2.0 KiB  1 in flight');
    out = '';
    p.finish('docker.io/library/a:1', 'copied docker.io/library/a:1');
    // moves up over the two lines drawn before (image + bar), then rewrites
    expect(out.startsWith('\x1b[2A\x1b[2Kcopied docker.io/library/a:1\n')).toBe(true);
    expect(out).toContain('0 in flight');
    p.close();
  });

  it('a terminal that reports 0 columns (script, serial consoles) gets whole lines, and the bar fits too', () => {
    const lines = (columns: number): string[] => {
      let out = '';
      const p = createProgress({ interactive: true, quiet: false, write: (t) => { out += t; }, interval: 60_000, columns });
      p.start('docker.io/library/a:1');
      p.expect(2048);
      p.bytes('docker.io/library/a:1', 1024);
      p.close();
      return out.split('\n').map((l) => l.replace(/\x1b\[[0-9]*[A-Z]/g, ''));
    };
    expect(lines(0)).toContain('  docker.io/library/a:1  1.0 KiB');
    for (const l of lines(30)) expect(l.length).toBeLessThanOrEqual(29);
  });

  it('elsewhere, one line per finished image; --quiet prints nothing', () => {
    let out = '';
    const log = createProgress({ interactive: false, quiet: false, write: (t) => { out += t; } });
    log.start('a');
    log.bytes('a', 10);
    log.finish('a', 'copied a -> r/a');
    log.close();
    expect(out).toBe('copied a -> r/a\n');
    out = '';
    const quiet = createProgress({ interactive: true, quiet: true, write: (t) => { out += t; } });
    quiet.start('a');
    quiet.finish('a', 'copied a');
    quiet.close();
    expect(out).toBe('');
  });
});

describe('summary', () => {
  it('counts results and blobs', () => {
    const images = (['copied', 'copied', 'composed', 'unavailable', 'failed', 'up-to-date'] as const).map((result) => ({ result }));
    const s = summarize({ images: images as never, blobs: { copied: 3, skipped: 2, mounted: 1, bytes: 3 * 1024 * 1024 } });
    expect(s.images).toMatchObject({ copied: 2, composed: 1, built: 0, unavailable: 1, failed: 1, 'up-to-date': 1 });
    expect(renderSummary(s)).toBe([
      'images: 2 copied, 1 composed, 1 without arm64 (unavailable), 1 up to date, 1 failed',
      'blobs: 3 copied (3.0 MiB), 2 already there, 1 mounted',
    ].join('\n'));
  });
});
