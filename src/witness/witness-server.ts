/** The witness's HTTP endpoint: `POST /add-checkpoint` (c2sp.org/tlog-witness), nothing else. */
import { createServer, type Server } from 'node:http';
import { MAX_ADD_CHECKPOINT_BODY } from '../audit/index.js';
import type { Witness } from './witness.js';

export interface WitnessServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 = any) and answers add-checkpoint calls with `witness`. */
export async function startWitnessServer(
  witness: Witness,
  host: string,
  port: number,
): Promise<WitnessServer> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/add-checkpoint') return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(405, 'text/plain; charset=utf-8', 'POST only\n');
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      if (length > MAX_ADD_CHECKPOINT_BODY) {
        send(413, 'text/plain; charset=utf-8', 'body too large\n');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      witness
        .addCheckpoint(Buffer.concat(chunks).toString('utf8'))
        .then((a) => send(a.status, a.contentType, a.body))
        .catch(() => send(500, 'text/plain; charset=utf-8', 'internal error\n'));
    });
  });
  server.requestTimeout = 30_000;
  // idle connections outlive any client's own idle timeout (fetch's is 4 s), so the log never
  // reuses a connection in the moment the witness closes it (ECONNRESET)
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
