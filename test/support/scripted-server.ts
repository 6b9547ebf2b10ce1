/**
 * A scripted HTTP server on 127.0.0.1:0 for conversations a real registry cannot hold (odd 401
 * challenges, token services). Each step answers matching requests a number of times; a request
 * no step takes is answered 599 and recorded, and `assertDone()` fails the test when a step was
 * left unused or a request was unexpected.
 *
 *   const srv = await startScriptedServer([
 *     { method: 'GET', path: '/v2/', reply: { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } } },
 *     { method: 'GET', path: /^\/token\?/, times: Infinity, reply: (req) => ({ status: 200, body: { token: 't' } }) },
 *   ]);
 *   ... srv.assertDone();
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedReply {
  status: number;
  /** A list sends the header once per value (several WWW-Authenticate fields). */
  headers?: Record<string, string | string[]>;
  /** A string or bytes as is; anything else as JSON. */
  body?: string | Uint8Array | object;
}

export interface ScriptStep {
  method: string;
  path: string | RegExp;
  reply: ScriptedReply | ((req: SeenRequest) => ScriptedReply);
  /** How many requests this step answers (default 1; Infinity: any number, none required). */
  times?: number;
}

export interface ScriptedServer {
  url: string;
  host: string;
  seen: SeenRequest[];
  unexpected: SeenRequest[];
  /** Requests a step answered, per step index. */
  used: number[];
  assertDone(): void;
  stop(): Promise<void>;
}

function matches(step: ScriptStep, req: SeenRequest): boolean {
  if (step.method !== req.method) return false;
  return typeof step.path === 'string' ? step.path === req.path : step.path.test(req.path);
}

export async function startScriptedServer(steps: ScriptStep[]): Promise<ScriptedServer> {
  const seen: SeenRequest[] = [];
  const unexpected: SeenRequest[] = [];
  const used = steps.map(() => 0);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const i = steps.findIndex((s, k) => used[k]! < (s.times ?? 1) && matches(s, r));
      if (i < 0) {
        unexpected.push(r);
        res.writeHead(599).end();
        return;
      }
      used[i]!++;
      const step = steps[i]!;
      const reply = typeof step.reply === 'function' ? step.reply(r) : step.reply;
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' || reply.body instanceof Uint8Array ? reply.body : JSON.stringify(reply.body);
      const json = reply.body !== undefined && typeof reply.body === 'object' && !(reply.body instanceof Uint8Array);
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(reply.status, { ...(json ? { 'content-type': 'application/json' } : {}), 'content-length': String(bytes.byteLength), ...reply.headers });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    seen,
    unexpected,
    used,
    assertDone() {
      const left = steps.map((s, i) => ({ s, i })).filter(({ s, i }) => Number.isFinite(s.times ?? 1) && used[i]! < (s.times ?? 1));
      const problems = [
        ...left.map(({ s, i }) => `step ${i} (${s.method} ${String(s.path)}) used ${used[i]} of ${s.times ?? 1}`),
        ...unexpected.map((r) => `unexpected ${r.method} ${r.path}`),
      ];
      if (problems.length > 0) throw new Error(`scripted server: ${problems.join('; ')}`);
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
