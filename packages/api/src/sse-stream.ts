/**
 * A server-sent-events writer over a raw Node response: frames, keep-alive comments, and
 * an end that runs once whoever closes first (the client, the server, a slow reader).
 */
import type { ServerResponse } from 'node:http';

/** How long an ended stream's client gets to read the end before the socket is cut. */
const END_GRACE_MS = 1000;

export interface SseStreamOptions {
  /** Extra response headers (the request id). */
  readonly headers: Readonly<Record<string, string>>;
  /** A comment is written this often so proxies and clients see the stream is alive. */
  readonly keepaliveMs: number;
  /**
   * A reader that lets this much pile up unsent is dropped: one stalled client must not make
   * the broker buffer every event without bound. It can reconnect and re-read the state.
   */
  readonly maxBufferedBytes: number;
  /** Runs once when the stream ends, for whatever reason. */
  readonly onClose: () => void;
}

export interface SseStream {
  /** Writes one event; `id` is the next number of this stream. */
  send(event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
}

export function openSseStream(raw: ServerResponse, options: SseStreamOptions): SseStream {
  let nextId = 1;
  let closed = false;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Not reused after the stream: when the broker ends a stream (shutdown, slow reader) Node
    // then closes the socket, instead of the server's close waiting for it to go idle.
    connection: 'close',
    // nginx buffers responses by default, which would hold events back.
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  // Sends the headers now, and tells EventSource clients how soon to reconnect.
  raw.write('retry: 5000\n: connected\n\n');

  const keepalive = setInterval(() => write(': keepalive\n\n'), options.keepaliveMs);
  keepalive.unref();

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    options.onClose();
    if (raw.destroyed) return;
    raw.end();
    // A client that stopped reading never takes the end; without this the socket, and with
    // it the server's close, would wait for that client forever.
    const grace = setTimeout(() => raw.destroy(), END_GRACE_MS);
    grace.unref();
    raw.once('close', () => clearTimeout(grace));
  };
  raw.on('close', close);
  raw.on('error', close);
  // The client may have gone while the route was still checking its parameters; then no
  // 'close' event will come. Deferred so the caller has its stream (and unsubscribe) first.
  if (raw.destroyed) queueMicrotask(close);

  function write(frame: string): void {
    if (closed) return;
    if (raw.writableLength > options.maxBufferedBytes) {
      close();
      return;
    }
    raw.write(frame);
  }

  return {
    send(event, data) {
      write(`id: ${nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close,
    get closed() {
      return closed;
    },
  };
}
