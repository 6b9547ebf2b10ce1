/**
 * Opens the rendered matrix in Debian's headless Chromium from a file:// URL: it must render,
 * show one row per component coloured by its support level, load nothing from anywhere, and
 * leave a screenshot in test-artifacts/matrix.png for a person to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/audit/html.js';
import { SAMPLE_REPORT, SAMPLE_TIME } from './sample-report.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/** Background colours the stylesheet gives each level (computed style form). */
const BACKGROUND: Record<string, string> = {
  yes: 'rgb(211, 242, 220)',
  partial: 'rgb(251, 238, 193)',
  no: 'rgb(251, 217, 215)',
  unknown: 'rgb(230, 232, 235)',
};

describe.skipIf(!existsSync(CHROMIUM))('matrix page in headless Chromium', () => {
  let dir: string;
  let context: BrowserContext;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ampere-matrix-'));
    const page = join(dir, 'site', 'index.html');
    mkdirSync(join(dir, 'site'));
    writeFileSync(page, renderHtml(SAMPLE_REPORT, { generatedAt: SAMPLE_TIME }));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    context.on('request', (r) => requests.push(r.url()));
    const tab = context.pages()[0] ?? (await context.newPage());
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tab = () => context.pages()[0]!;

  it('renders the title, the audit time and both tables', async () => {
    expect(await tab().title()).toBe('arm64 support matrix');
    expect(await tab().locator('time').getAttribute('datetime')).toBe(SAMPLE_TIME);
    expect(await tab().locator('table#components caption').textContent()).toBe('Components');
    expect(await tab().locator('table#images tbody tr').count()).toBe(SAMPLE_REPORT.images.length);
  });

  it('has one row per component, in report order, coloured by its support', async () => {
    const rows = tab().locator('table#components tbody tr');
    expect(await rows.count()).toBe(SAMPLE_REPORT.components.length);
    for (const [i, c] of SAMPLE_REPORT.components.entries()) {
      const row = rows.nth(i);
      expect(await row.locator('th').textContent()).toBe(c.name);
      const cells = row.locator('td');
      for (const [col, level] of [[0, c.arm64], [1, c.multiArch], [2, c.build]] as const) {
        const cell = cells.nth(col);
        expect(await cell.getAttribute('class')).toBe(`cell-${level}`);
        expect((await cell.textContent())?.trim()).toMatch(new RegExp(`${level}$`));
        expect(await cell.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(BACKGROUND[level]);
      }
    }
  });

  it('shows shortened digests with the full digest in the title', async () => {
    const first = SAMPLE_REPORT.images[0]!;
    const digest = tab().locator('table#images tbody tr').first().locator('code[title^="sha256:"]');
    expect(await digest.getAttribute('title')).toBe(first.digest);
    expect(await digest.textContent()).toBe(first.digest!.slice(0, 'sha256:'.length + 12));
  });

  it('made no request but for the file itself, and leaves a screenshot', async () => {
    await tab().screenshot({ path: join(ARTIFACTS, 'matrix.png'), fullPage: true });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    expect(existsSync(join(ARTIFACTS, 'matrix.png'))).toBe(true);
  });
});
