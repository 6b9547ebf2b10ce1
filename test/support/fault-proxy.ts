/**
 * A fault-injecting HTTP proxy on 127.0.0.1:0 in front of a real registry, for failures a real
 * registry will not produce on demand. It records every request (with headers) and counts TCP
 * connections. A second listener ("other", another host:port) also forwards to the registry, as a
 * redirect target standing in for object storage.
 *
 *   const proxy = await startFaultProxy(registry.url);
 *   proxy.fault({ method: 'GET', path: /\/manifests\//, nth: 1, fault: { status: 503 } });
 *   proxy.fault({ path: /\/blobs\/sha256:/, fault: { redirect: 'other' } });   // every time
 *   ... point the client at proxy.url ...
 *   proxy.requests.filter((r) => r.listener === 'other' && r.headers.authorization)  // must be []
 *
 * Faults: answer with a status (500, 503, 429 + Retry-After via `headers`); `drop` the connection
 * after N body bytes; `truncate` the body to N bytes (a complete but short answer); `stall` for ms
 * before answering; `stallBody` for ms after the headers and half the body; `corrupt` one byte
 * (same length, wrong digest); `redirect` with a 307 to the other listener or a given base URL.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { drop: number }
  | { truncate: number }
  | { stall: number }
  | { stallBody: number }
  | { corrupt: true }
  | { redirect: 'other' | string; status?: 301 | 302 | 303 | 307 | 308 };

export interface FaultRule {
  method?: string;
  path: RegExp;
  /** Fire on the nth matching request only (1-based). */
  nth?: number;
  /** Fire on the first `times` matching requests. Neither nth nor times nor every: every time. */
  times?: number;
  /** Fire on every `every`-th matching request (3: the 3rd, 6th, 9th…), for a steady share of faults. */
  every?: number;
  /** Which listener the rule watches (default "main"). */
  listener?: Listener;
  fault: Fault;
}

export type Listener = 'main' | 'other';

export interface RecordedRequest {
  listener: Listener;
  method: string;
  /** Path and query: "/v2/library/busybox/manifests/1.36". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The fault applied, if any. */
  fault?: Fault;
}

export interface FaultProxy {
  /** "http://127.0.0.1:PORT" of the main listener. */
  url: string;
  host: string;
  /** The second listener, a different host:port. */
  otherUrl: string;
  otherHost: string;
  requests: RecordedRequest[];
  /** TCP connections accepted, per listener. */
  connections: Record<Listener, number>;
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** Start a scenario: no faults but these, and an empty request log. */
  arm(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Headers the other listener adds when forwarding, like a pre-signed URL's grant. */
  otherHeaders?: Record<string, string>;
}

interface ActiveRule extends FaultRule {
  seen: number;
}

function fires(rule: ActiveRule): boolean {
  if (rule.nth !== undefined) return rule.seen === rule.nth;
  if (rule.times !== undefined) return rule.seen <= rule.times;
  if (rule.every !== undefined) return rule.seen % rule.every === 0;
  return true;
}

function forward(upstream: URL, req: IncomingMessage, extra: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const out = httpRequest({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: { ...req.headers, ...extra },
    }, resolve);
    out.on('error', reject);
    req.pipe(out);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Forward, then alter the body as the fault says. */
async function answer(upstream: URL, req: IncomingMessage, res: ServerResponse, fault: Fault | undefined, extra: Record<string, string>): Promise<void> {
  if (fault && 'stall' in fault) await sleep(fault.stall);
  const up = await forward(upstream, req, extra);
  const headers = { ...up.headers };
  if (!fault || 'stall' in fault) {
    res.writeHead(up.statusCode ?? 502, headers);
    up.pipe(res);
    return;
  }
  const body = await readAll(up);
  if ('drop' in fault) {
    res.writeHead(up.statusCode ?? 502, headers);
    res.write(body.subarray(0, fault.drop));
    // Let the partial body leave before the reset.
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  if ('stallBody' in fault) {
    res.writeHead(up.statusCode ?? 502, headers);
    res.write(body.subarray(0, body.length >> 1));
    await sleep(fault.stallBody);
    res.end(body.subarray(body.length >> 1));
    return;
  }
  let out = body;
  if ('truncate' in fault) out = body.subarray(0, fault.truncate);
  if ('corrupt' in fault && body.length > 0) {
    out = Buffer.from(body);
    out[out.length >> 1] = out[out.length >> 1]! ^ 0xff;
  }
  headers['content-length'] = String(out.length);
  res.writeHead(up.statusCode ?? 502, headers);
  res.end(out);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export async function startFaultProxy(upstreamUrl: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const rules: ActiveRule[] = [];
  const requests: RecordedRequest[] = [];
  const connections: Record<Listener, number> = { main: 0, other: 0 };
  const sockets = new Set<Socket>();
  let otherUrl = '';

  const handler = (listener: Listener) => (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    let fault: Fault | undefined;
    for (const rule of rules) {
      if ((rule.listener ?? 'main') !== listener || (rule.method && rule.method !== method) || !rule.path.test(path)) continue;
      rule.seen++;
      if (fires(rule)) {
        fault = rule.fault;
        break;
      }
    }
    requests.push({ listener, method, path, headers: req.headers, ...(fault ? { fault } : {}) });
    const extra = listener === 'other' ? opts.otherHeaders ?? {} : {};
    if (fault && 'status' in fault && !('redirect' in fault)) {
      req.resume();
      res.writeHead(fault.status, fault.headers ?? {});
      res.end(fault.body ?? '');
      return;
    }
    if (fault && 'redirect' in fault) {
      req.resume();
      const base = fault.redirect === 'other' ? otherUrl : fault.redirect;
      res.writeHead(fault.status ?? 307, { location: `${base}${path}` });
      res.end();
      return;
    }
    answer(upstream, req, res, fault, extra).catch(() => res.socket?.destroy());
  };

  const servers = (['main', 'other'] as const).map((listener) => {
    const server = createServer(handler(listener));
    server.on('connection', (s: Socket) => {
      connections[listener]++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  });
  const host = await listen(servers[0]!);
  const otherHost = await listen(servers[1]!);
  otherUrl = `http://${otherHost}`;
  return {
    url: `http://${host}`,
    host,
    otherUrl,
    otherHost,
    requests,
    connections,
    fault: (rule) => rules.push({ ...rule, seen: 0 }),
    clearFaults: () => rules.splice(0),
    arm(next) {
      rules.splice(0);
      requests.splice(0);
      for (const rule of next) rules.push({ ...rule, seen: 0 });
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
