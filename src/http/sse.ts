/**
 * Server-Sent Events plumbing shared by the streams: open the response, write events, keep it
 * alive with heartbeats, end it after a maximum lifetime, and clean up on either side's close.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  /** Writes one event (nothing once the stream has ended). */
  send(event: string, id: string | null, data: string): void;
  /** Ends the stream and runs the cleanup once. */
  close(): void;
}

export function openSse(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: {
    heartbeatMs: number;
    maxStreamMs: number;
    onClose: () => void;
    first?: string;
    /** Ends the stream when it fires (the server is shutting down). */
    signal?: AbortSignal;
  },
): SseStream {
  reply.hijack();
  reply.raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  reply.raw.write(`retry: 2000\n\n${opts.first ?? ''}`);
  const heartbeat = setInterval(() => {
    if (!reply.raw.writableEnded) reply.raw.write(': heartbeat\n\n');
  }, opts.heartbeatMs);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    opts.onClose();
    opts.signal?.removeEventListener('abort', close);
    clearInterval(heartbeat);
    clearTimeout(lifetime);
    if (!reply.raw.writableEnded) reply.raw.end();
    // shutting down: let the connection go too, or close() waits for its keep-alive timeout
    if (opts.signal?.aborted) req.raw.socket?.end();
  };
  const lifetime = setTimeout(close, opts.maxStreamMs);
  req.raw.once('close', close);
  reply.raw.once('close', close);
  // deferred: callers wire their onClose after this returns
  if (opts.signal?.aborted) queueMicrotask(close);
  else opts.signal?.addEventListener('abort', close, { once: true });
  return {
    send(event, id, data) {
      if (reply.raw.writableEnded) return;
      // event names come from our own change names; keep them to a safe alphabet anyway
      const name = event.replace(/[^A-Za-z0-9._-]/g, '') || 'changed';
      reply.raw.write(`${id === null ? '' : `id: ${id}\n`}event: ${name}\ndata: ${data}\n\n`);
    },
    close,
  };
}
