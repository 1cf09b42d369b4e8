/**
 * A reader of `text/event-stream` bodies, by the WHATWG rules (fields, multi-line data,
 * comments, any line ending). Written here because EventSource cannot send the
 * Authorization header and Node has no EventSource; it works on any fetch `Response.body`.
 */

/** One dispatched event. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen on the stream (carried over, as EventSource does). */
  readonly id: string;
}

/** Feeds text in chunks, calls `onMessage` per complete event. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #lastId = '';
  #pendingCr = false;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    let text = chunk;
    // A CR at the end of the last chunk may be the first half of CRLF.
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = false;
    this.#buffer += text;
    for (;;) {
      const at = this.#buffer.search(/[\r\n]/);
      if (at === -1) return;
      const line = this.#buffer.slice(0, at);
      const terminator = this.#buffer[at];
      let next = at + 1;
      if (terminator === '\r') {
        if (next === this.#buffer.length) this.#pendingCr = true;
        else if (this.#buffer[next] === '\n') next += 1;
      }
      this.#buffer = this.#buffer.slice(next);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      // `retry` and unknown fields are ignored: reconnecting is the caller's choice.
    }
  }

  #dispatch(): void {
    if (this.#data.length > 0) {
      this.onMessage({ event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), id: this.#lastId });
    }
    this.#event = '';
    this.#data = [];
  }
}

/** Reads a whole stream body through a parser; resolves when the body ends. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onMessage: (message: SseMessage) => void): Promise<void> {
  const parser = new SseParser(onMessage);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
