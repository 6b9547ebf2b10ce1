/** Tag listing (distribution spec: content discovery), following Link pagination (RFC 8288). */
import { RegistryError } from '../errors.js';
import { pullScope } from './auth.js';
import { redactUrl } from './endpoint.js';
import { header } from './http.js';
import type { ApiContext } from './transport.js';
import type { RepoName } from './types.js';

/** A registry that keeps sending "next" links is broken; stop rather than loop. */
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** The rel="next" target of a Link header, if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?\s*(?:;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

export async function listTags(ctx: ApiContext, repo: RepoName, pageSize?: number): Promise<string[]> {
  const what = `${repo.registry}/${repo.repository}`;
  const endpoint = ctx.endpoint(repo.registry);
  const tags: string[] = [];
  let url: string | undefined = `${endpoint.base}/v2/${repo.repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES) throw new RegistryError(`${what}: more than ${MAX_PAGES} pages of tags`, { method: 'GET', url: '' });
    const current: string = url;
    const x = { endpoint, method: 'GET' as const, url: current, scopes: [pullScope(repo.repository)], what, ok: [200] };
    url = await ctx.transport.exchange(x, async (res) => {
      const text = Buffer.from(await ctx.http.read(res, MAX_PAGE_BYTES, what)).toString('utf8');
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new RegistryError(`${what}: tag list is not JSON`, { method: 'GET', url: redactUrl(current), status: res.status });
      }
      const list = (doc as { tags?: unknown } | null)?.tags;
      // An empty repository answers "tags": null.
      if (Array.isArray(list)) tags.push(...list.filter((t): t is string => typeof t === 'string'));
      const next = nextLink(header(res, 'link'));
      return next === undefined ? undefined : new URL(next, res.url).toString();
    });
  }
  return tags;
}
