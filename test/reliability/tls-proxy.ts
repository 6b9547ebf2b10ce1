/**
 * An HTTPS front for a plain-HTTP test registry, on 127.0.0.1:0, with a throwaway self-signed
 * certificate made by openssl: what a registry with a private CA looks like to a client that was
 * not told to trust it.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workdir } from './support.js';

const exec = promisify(execFile);

export interface TlsFront {
  /** "https://127.0.0.1:PORT" */
  url: string;
  host: string;
  /** PEM file of the self-signed certificate (for NODE_EXTRA_CA_CERTS). */
  certFile: string;
  /** Requests that got past the TLS handshake. */
  requests: number;
  stop(): Promise<void>;
}

export async function startTlsFront(upstreamUrl: string): Promise<TlsFront> {
  const dir = workdir('tls');
  const key = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await exec('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', certFile,
  ]);
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const front: TlsFront = { url: '', host: '', certFile, requests: 0, stop: async () => undefined };
  const server = createServer({ key: readFileSync(key), cert: readFileSync(certFile) }, (req, res) => {
    front.requests++;
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  front.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.url = `https://${front.host}`;
  front.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  };
  return front;
}
