/**
 * The support matrix as one self-contained HTML page (matrix/index.html): inline CSS, no script,
 * no fonts or images, no URL of any kind, and a Content-Security-Policy that forbids loading
 * anything should that ever change. Image references, platforms and error messages come from
 * manifests and registries, so every value passes through the `html` template, which escapes.
 * Colour is never the only signal: each support cell also carries a symbol and a word.
 */
import { arm64Source, shortDigest, type SavedAudit, type SavedImage } from './diff.js';
import type { ArtifactReport } from './artifacts.js';
import type { ComponentReport } from './matrix.js';

export interface HtmlOptions {
  /** When the audit ran, ISO 8601: "2025-01-06T03:00:00Z". */
  generatedAt: string;
}

/** Markup that is already escaped; anything else interpolated into `html` is escaped. */
class Html {
  constructor(readonly text: string) {}
}

type Part = string | number | Html | Part[] | null | undefined;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(part: Part): string {
  if (part === null || part === undefined) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1]) + s));
}

/** Support levels and their look; "unknown" is for what could not be inspected or was not declared. */
type Level = 'yes' | 'partial' | 'no' | 'unknown';
const SYMBOL: Record<Level, string> = { yes: '✓', partial: '◐', no: '✗', unknown: '?' };

function badge(level: Level, label: string = level, title?: string): Html {
  return html`<span class="support support-${level}" data-support="${level}"${title ? html` title="${title}"` : ''}><span aria-hidden="true">${SYMBOL[level]}</span> ${label}</span>`;
}

function supportCell(level: Level, label?: string, title?: string): Html {
  return html`<td class="cell-${level}">${badge(level, label, title)}</td>`;
}

const STYLE = `
:root { color-scheme: light; --yes: #d3f2dc; --yes-ink: #0f5323; --partial: #fbeec1; --partial-ink: #5f4500;
  --no: #fbd9d7; --no-ink: #7d1711; --unknown: #e6e8eb; --unknown-ink: #33383f; --rule: #d0d7de; }
body { font: 15px/1.45 system-ui, "DejaVu Sans", "Liberation Sans", sans-serif; color: #1f2328; background: #fff; margin: 0; }
main { max-width: 1400px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
.meta { color: #57606a; margin: 0 0 16px; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 0 0 24px; padding: 0; list-style: none; }
table { border-collapse: collapse; width: 100%; margin: 0 0 32px; }
caption { text-align: left; font-weight: 700; font-size: 1.2em; padding: 0 0 8px; }
th, td { border: 1px solid var(--rule); padding: 6px 10px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
tbody th { font-weight: 600; }
#components tbody th { white-space: nowrap; }
#images { width: auto; }
#images tbody th { font-weight: 400; min-width: 20em; }
#images td.platforms { min-width: 10em; }
#images td.alternate { min-width: 11em; }
.status-word { white-space: nowrap; }
code { font: 0.9em/1.3 "DejaVu Sans Mono", "Liberation Mono", monospace; overflow-wrap: anywhere; }
code.digest { white-space: nowrap; }
td[class^="cell-"] { width: 1%; white-space: nowrap; }
.support { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; white-space: nowrap; }
td.cell-yes { background: var(--yes); } td.cell-partial { background: var(--partial); }
td.cell-no { background: var(--no); } td.cell-unknown { background: var(--unknown); }
.support-yes { color: var(--yes-ink); background: var(--yes); } .support-partial { color: var(--partial-ink); background: var(--partial); }
.support-no { color: var(--no-ink); background: var(--no); } .support-unknown { color: var(--unknown-ink); background: var(--unknown); }
ul.platforms { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px; }
ul.platforms li { border: 1px solid var(--rule); border-radius: 4px; padding: 0 5px; font-size: 0.85em; }
ul.platforms li.arm64 { border-color: var(--yes-ink); color: var(--yes-ink); font-weight: 600; }
.scroll { overflow-x: auto; }
.muted { color: #57606a; }
.error { color: var(--no-ink); font-size: 0.9em; }
`;

/** "docker.io/library/busybox:1.36" -> "busybox:1.36"; the full reference stays in the title. */
function shortRef(ref: string): string {
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

/** "runsc: amd64 present, arm64 absent"; the file name only, so the page holds no URL. */
function artifactLine(a: ArtifactReport): Html {
  const name = a.url.slice(a.url.lastIndexOf('/') + 1);
  return html`<div class="artifact">release file <code>${name}</code>: ${Object.entries(a.arches).map(([arch, state]) => `${arch} ${state}`).join(', ')}</div>`;
}

function componentRow(c: ComponentReport): Html {
  return html`<tr data-component="${c.name}">
<th scope="row">${c.name}</th>
${supportCell(c.arm64)}
${supportCell(c.multiArch)}
${supportCell(c.build, c.build, 'declared: does upstream source build for arm64?')}
<td>${c.images.length === 0 && !c.artifacts ? html`<span class="muted">none</span>` : c.images.map((ref, i) => html`${i ? ', ' : ''}<code title="${ref}">${shortRef(ref)}</code>`)}${c.artifacts?.map(artifactLine)}</td>
</tr>
`;
}

/** How an image offers linux/arm64: itself, only through an alternate image, not at all, or unknown. */
type Arm64Kind = 'native' | 'alternate' | 'none' | 'not inspected';

function arm64Kind(image: SavedImage): Arm64Kind {
  if (image.status !== 'ok') return 'not inspected';
  const source = arm64Source(image);
  return source === null ? 'none' : source === 'arm64' ? 'native' : 'alternate';
}

const ARM64_CELL: Record<Arm64Kind, () => Html> = {
  native: () => supportCell('yes'),
  alternate: () => supportCell('partial', 'alternate', 'only a separate image offers linux/arm64'),
  none: () => supportCell('no'),
  'not inspected': () => supportCell('unknown', 'unknown', 'not inspected'),
};

function platformList(platforms: string[]): Html {
  if (platforms.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="platforms">${platforms.map((p) => html`<li${p === 'linux/arm64' ? html` class="arm64"` : ''}>${p}</li>`)}</ul>`;
}

function imageRow(image: SavedImage): Html {
  const multi = image.status !== 'ok' ? supportCell('unknown', 'unknown', 'not inspected') : supportCell(image.multiArch ? 'yes' : 'no');
  const status = image.status === 'ok' && !image.note
    ? html`ok`
    : html`<span class="status-word">${image.status}</span>${image.error ? html`<div class="error">${image.error}</div>` : ''}${image.note ? html`<div class="muted">${image.note}</div>` : ''}`;
  return html`<tr data-image="${image.ref}">
<th scope="row"><code>${image.ref}</code></th>
<td>${image.components.join(', ')}</td>
${ARM64_CELL[arm64Kind(image)]()}
${multi}
<td class="platforms">${platformList(image.platforms)}</td>
<td class="alternate">${image.arm64Alternative === null ? html`<span class="muted">—</span>` : html`<code>${image.arm64Alternative}</code>`}</td>
<td>${image.digest === null ? html`<span class="muted">—</span>` : html`<code class="digest" title="${image.digest}">${shortDigest(image.digest)}</code>`}</td>
<td class="status">${status}</td>
</tr>
`;
}

function summary(report: SavedAudit): string {
  const count = (kind: Arm64Kind): number => report.images.filter((i) => arm64Kind(i) === kind).length;
  return `${report.components.length} components, ${report.images.length} images: ${count('native')} with linux/arm64, `
    + `${count('alternate')} only through an alternate, ${count('none')} without, ${count('not inspected')} not inspected`;
}

/** Images in the order of the components table, then by reference; images of no component last. */
function byComponent(report: SavedAudit): SavedImage[] {
  const order = new Map(report.components.map((c, i) => [c.name, i]));
  const rank = (i: SavedImage): number => Math.min(...i.components.map((c) => order.get(c) ?? order.size), order.size);
  return [...report.images].sort((a, b) => rank(a) - rank(b) || a.ref.localeCompare(b.ref));
}

/** "2025-01-06 03:00 UTC" for a valid ISO time; anything else is shown as given. */
function displayTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const LEGEND: Array<[Level, string]> = [
  ['yes', 'every image offers it'],
  ['partial', 'some images, or only through an alternate image'],
  ['no', 'none'],
  ['unknown', 'could not be inspected, or not declared'],
];

/** The whole page; the same report and time always give the same bytes. */
export function renderHtml(report: SavedAudit, opts: HtmlOptions): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>arm64 support matrix</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
<h1>arm64 support matrix</h1>
<p class="meta">Audited <time datetime="${opts.generatedAt}">${displayTime(opts.generatedAt)}</time>. ${summary(report)}.</p>
<ul class="legend" aria-label="Legend">${LEGEND.map(([level, text]) => html`<li>${badge(level)} ${text}</li>`)}</ul>
<table id="components">
<caption>Components</caption>
<thead><tr><th scope="col">Component</th><th scope="col">arm64</th><th scope="col">Multi-arch</th><th scope="col">Builds for arm64</th><th scope="col">Images</th></tr></thead>
<tbody>
${report.components.map(componentRow)}
</tbody>
</table>
<div class="scroll">
<table id="images">
<caption>Images</caption>
<thead><tr><th scope="col">Image</th><th scope="col">Components</th><th scope="col">arm64</th><th scope="col">Multi-arch</th><th scope="col">Platforms</th><th scope="col">arm64 alternate</th><th scope="col">Digest</th><th scope="col">Status</th></tr></thead>
<tbody>
${byComponent(report).map(imageRow)}
</tbody>
</table>
</div>
</main>
</body>
</html>
`;
  return page.text;
}
