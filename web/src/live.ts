/**
 * Server-Sent Events over fetch (EventSource cannot send an Authorization header, which the
 * API-key sign-in needs). Reconnects with a bounded backoff; a 401 stops the stream.
 */
import { ApiError, call } from './api.js';

export interface LiveHandlers {
  onEvent: (event: string, data: string) => void;
  /** true while the stream is open. */
  onStatus?: (connected: boolean) => void;
  /** The stream is not served (404): the caller falls back to polling. */
  onUnavailable?: () => void;
}

export function subscribe(path: string, handlers: LiveHandlers): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const parse = (block: string) => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) handlers.onEvent(event, data.join('\n'));
  };

  const connect = async () => {
    if (stopped) return;
    controller = new AbortController();
    try {
      const res = await call('GET', path, {
        accept: 'text/event-stream',
        signal: controller.signal,
      });
      if (!res.body) throw new Error('no stream');
      handlers.onStatus?.(true);
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (err) {
      if (stopped) return;
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        handlers.onStatus?.(false);
        handlers.onUnavailable?.();
        return;
      }
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        handlers.onStatus?.(false);
        return;
      }
    }
    handlers.onStatus?.(false);
    if (stopped) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 15_000);
  };
  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}
