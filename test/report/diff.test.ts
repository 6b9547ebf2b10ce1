import { describe, expect, it } from 'vitest';
import { diffAudits, validateSavedAudit, type AuditDiff, type SavedAudit } from '../../src/audit/diff.js';
import { reportJson, supportJson } from '../../src/audit/report.js';
import { InputError } from '../../src/errors.js';
import { DIGEST_A, DIGEST_B, component, image, report } from './audit-builders.js';
import { SAMPLE_REPORT } from './sample-report.js';

const BUSY = 'docker.io/library/busybox:1.36';
const FLANNEL = 'quay.io/coreos/flannel:v0.11.0';
const FLANNEL_NEXT = 'quay.io/coreos/flannel:v0.12.0';
const ALT = 'docker.io/carlosedp/flannel:v0.11.0';
const AMD64 = ['linux/amd64'];

interface Case {
  name: string;
  old: SavedAudit;
  now: SavedAudit;
  expected: Partial<AuditDiff>;
}

const none = { added: [], removed: [], changed: [] };

const cases: Case[] = [
  {
    name: 'identical audits: nothing',
    old: report([image(BUSY)], [component('app')]),
    now: report([image(BUSY)], [component('app')]),
    expected: { regressions: [], gained: [], images: none, components: none },
  },
  {
    name: 'same tag re-pushed without arm64: regression',
    old: report([image(BUSY)]),
    now: report([image(BUSY, { platforms: AMD64, digest: DIGEST_B })]),
    expected: {
      regressions: [{ ref: BUSY, before: 'arm64', platforms: AMD64 }],
      gained: [],
      images: { added: [], removed: [], changed: [{
        ref: BUSY,
        digest: { old: DIGEST_A, new: DIGEST_B },
        arm64: { old: true, new: false },
        multiArch: { old: true, new: false },
        platforms: { old: ['linux/amd64', 'linux/arm64'], new: AMD64 },
      }] },
    },
  },
  {
    name: 'lost native arm64 but an alternative offers it: no regression',
    old: report([image(FLANNEL)]),
    now: report([image(FLANNEL, { platforms: AMD64, arm64Alternative: ALT })]),
    expected: {
      regressions: [],
      images: { added: [], removed: [], changed: [{
        ref: FLANNEL,
        arm64: { old: true, new: false },
        arm64Alternative: { old: null, new: ALT },
        multiArch: { old: true, new: false },
        platforms: { old: ['linux/amd64', 'linux/arm64'], new: AMD64 },
      }] },
    },
  },
  {
    name: 'alternative gone and none native: regression naming the alternate',
    old: report([image(FLANNEL, { platforms: AMD64, arm64Alternative: ALT })]),
    now: report([image(FLANNEL, { platforms: AMD64 })]),
    expected: {
      regressions: [{ ref: FLANNEL, before: `alternate ${ALT}`, platforms: AMD64 }],
      images: { added: [], removed: [], changed: [{ ref: FLANNEL, arm64Alternative: { old: ALT, new: null } }] },
    },
  },
  {
    name: 'could not inspect now: a status change, never a loss',
    old: report([image(BUSY)]),
    now: report([image(BUSY, { status: 'not-found' })]),
    expected: {
      regressions: [],
      images: { added: [], removed: [], changed: [{ ref: BUSY, status: { old: 'ok', new: 'not-found' } }] },
    },
  },
  {
    name: 'could not inspect before, amd64 only now: not a loss',
    old: report([image(BUSY, { status: 'unauthorized' })]),
    now: report([image(BUSY, { platforms: AMD64 })]),
    expected: {
      regressions: [],
      gained: [],
      images: { added: [], removed: [], changed: [{ ref: BUSY, status: { old: 'unauthorized', new: 'ok' } }] },
    },
  },
  {
    name: 'gained arm64 by a new platform',
    old: report([image(BUSY, { platforms: AMD64 })]),
    now: report([image(BUSY, { digest: DIGEST_B })]),
    expected: { regressions: [], gained: [{ ref: BUSY, now: 'arm64' }] },
  },
  {
    name: 'gained arm64 by an alternative',
    old: report([image(FLANNEL, { platforms: AMD64 })]),
    now: report([image(FLANNEL, { platforms: AMD64, arm64Alternative: ALT })]),
    expected: { regressions: [], gained: [{ ref: FLANNEL, now: `alternate ${ALT}` }] },
  },
  {
    name: 'digest moved under the same tag, same platforms',
    old: report([image(BUSY)]),
    now: report([image(BUSY, { digest: DIGEST_B })]),
    expected: {
      regressions: [],
      gained: [],
      images: { added: [], removed: [], changed: [{ ref: BUSY, digest: { old: DIGEST_A, new: DIGEST_B } }] },
    },
  },
  {
    name: 'platform order alone is no change',
    old: report([image(BUSY, { platforms: ['linux/arm64', 'linux/amd64'] })]),
    now: report([image(BUSY, { platforms: ['linux/amd64', 'linux/arm64'] })]),
    expected: { images: none },
  },
  {
    name: 'tag bump to an amd64-only release: regression naming what it replaced',
    old: report([image(FLANNEL)]),
    now: report([image(FLANNEL_NEXT, { platforms: AMD64 })]),
    expected: {
      regressions: [{ ref: FLANNEL_NEXT, before: 'arm64', platforms: AMD64, replaces: FLANNEL }],
      images: { added: [image(FLANNEL_NEXT, { platforms: AMD64 })], removed: [image(FLANNEL)], changed: [] },
    },
  },
  {
    name: 'tag bump that keeps arm64: added and removed, no regression',
    old: report([image(FLANNEL)]),
    now: report([image(FLANNEL_NEXT)]),
    expected: { regressions: [], images: { added: [image(FLANNEL_NEXT)], removed: [image(FLANNEL)], changed: [] } },
  },
  {
    name: 'a new amd64-only image of another repository is new, not lost',
    old: report([image(BUSY)]),
    now: report([image(BUSY), image(FLANNEL, { platforms: AMD64 })]),
    expected: { regressions: [], images: { added: [image(FLANNEL, { platforms: AMD64 })], removed: [], changed: [] } },
  },
  {
    name: 'component support went down, one added, one removed',
    old: report([], [component('CNI-canal'), component('EFK'), component('gone', { build: 'unknown' })]),
    now: report([], [component('CNI-canal', { arm64: 'partial', multiArch: 'no' }), component('EFK'), component('new', { arm64: 'no' })]),
    expected: {
      components: {
        added: [component('new', { arm64: 'no' })],
        removed: [component('gone', { build: 'unknown' })],
        changed: [{ name: 'CNI-canal', arm64: { old: 'yes', new: 'partial' }, multiArch: { old: 'yes', new: 'no' } }],
      },
    },
  },
];

describe('diffAudits', () => {
  it.each(cases)('$name', ({ old, now, expected }) => {
    const diff = diffAudits(old, now);
    // Round-trip through JSON: unchanged fields must vanish from --json output, not print as null.
    expect(JSON.parse(JSON.stringify(diff))).toMatchObject(expected);
    for (const key of Object.keys(expected) as Array<keyof AuditDiff>) expect(diff[key]).toEqual(expected[key]);
  });

  it('sorts every list so that two runs print the same', () => {
    const refs = ['quay.io/z/z:1', 'docker.io/a/a:1', 'ghcr.io/m/m:1'];
    const diff = diffAudits(report([]), report(refs.map((r) => image(r))));
    expect(diff.images.added.map((i) => i.ref)).toEqual([...refs].sort());
  });
});

describe('validateSavedAudit', () => {
  const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(report([image(BUSY), image(FLANNEL)], [component('app')])));
  const broken: Array<[string, (d: Record<string, unknown>) => unknown, string]> = [
    ['an array', () => [], 'old.json: not an audit report'],
    ['no images', (d) => ({ components: d.components }), 'old.json: images: must be a list'],
    ['arm64 as text', (d) => { (d.images as Array<Record<string, unknown>>)[1]!.arm64 = 'yes'; return d; }, 'old.json: images[1].arm64: must be true or false'],
    ['unknown status', (d) => { (d.images as Array<Record<string, unknown>>)[0]!.status = 'fine'; return d; }, 'old.json: images[0].status: must be one of ok, not-found, unauthorized, error'],
    ['uppercase ref', (d) => { (d.images as Array<Record<string, unknown>>)[0]!.ref = 'Team/App:1'; return d; }, 'old.json: images[0].ref: must be an image reference'],
    ['duplicate ref', (d) => { (d.images as Array<Record<string, unknown>>)[1]!.ref = BUSY; return d; }, 'old.json: images[1].ref: duplicate of images[0]'],
    ['bad support', (d) => { (d.components as Array<Record<string, unknown>>)[0]!.multiArch = 'maybe'; return d; }, 'old.json: components[0].multiArch: must be one of yes, partial, no'],
  ];

  it('accepts a report of the contract shape', () => {
    expect(validateSavedAudit(valid(), 'old.json').images).toHaveLength(2);
  });

  it('reads what the audit writes: matrix/support.json and audit --json', () => {
    const audit = { ...SAMPLE_REPORT, rows: [], invalid: [] };
    const support = validateSavedAudit(JSON.parse(supportJson(audit)), 'matrix/support.json');
    expect(support.images.map((i) => i.ref).sort()).toEqual(SAMPLE_REPORT.images.map((i) => i.ref).sort());
    const json = validateSavedAudit(JSON.parse(JSON.stringify(reportJson(audit, new Date(0)))), 'audit.json');
    expect(json.components).toEqual(SAMPLE_REPORT.components);
  });

  it.each(broken)('rejects %s with one line naming file and field', (_name, mutate, message) => {
    const run = (): unknown => validateSavedAudit(mutate(valid()), 'old.json');
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });
});
