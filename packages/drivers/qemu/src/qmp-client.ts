/**
 * A QMP (QEMU Machine Protocol) client over a unix socket, by hand: the protocol is one JSON
 * object per line (greeting, `{"execute"}` commands answered in order with `return`/`error`,
 * asynchronous `event`s), which net + readline cover without a library.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp?: { readonly seconds: number; readonly microseconds: number };
}

interface Pending {
  readonly command: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class QmpClient {
  readonly #socket: Socket;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<(event: QmpEvent) => void>();
  #nextId = 1;
  #closed = false;
  /** Set while waiting for QEMU's greeting line. */
  #greeted: (() => void) | undefined;
  /** Resolves when the connection ends (QEMU quit, crashed, or close() was called). */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    let onClosed!: () => void;
    this.closed = new Promise((resolve) => (onClosed = resolve));
    // QEMU may reset the connection right after `quit`; that is an ordinary end, not a failure.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
      for (const pending of this.#pending.values()) {
        pending.reject(new SkyportError('ProviderError', `QEMU closed the QMP connection before answering ${pending.command}`, { providerCode: 'QmpClosed' }));
      }
      this.#pending.clear();
      onClosed();
    });
    const lines = createInterface({ input: socket });
    lines.on('error', () => undefined);
    lines.on('line', (line) => this.#receive(line));
  }

  /**
   * Connects (retrying while QEMU creates the socket), reads the greeting and leaves capability
   * negotiation mode. `alive` stops the retries early when the process has already exited.
   */
  static async connect(path: string, options: { readonly timeoutMs: number; readonly alive?: () => boolean }): Promise<QmpClient> {
    const deadline = Date.now() + options.timeoutMs;
    let lastError: unknown;
    for (;;) {
      if (options.alive && !options.alive()) {
        throw new SkyportError('ProviderError', `QEMU exited before its QMP socket ${path} accepted a connection`, { providerCode: 'QemuExited' });
      }
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const client = new QmpClient(socket);
        try {
          await client.#handshake(Math.max(1000, deadline - Date.now()));
        } catch (error) {
          client.close();
          throw error;
        }
        return client;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        throw new SkyportError('Timeout', `QEMU's QMP socket ${path} did not answer within ${options.timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
          providerCode: 'QmpTimeout',
        });
      }
      await sleep(10);
    }
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Runs a command; QMP errors become ProviderError with QEMU's error class as provider code. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new SkyportError('ProviderError', `cannot run ${command}: the QMP connection is closed (QEMU is not running)`, { providerCode: 'QmpClosed' }));
    }
    const id = `skyport-${this.#nextId++}`;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject });
      this.#socket.write(JSON.stringify({ execute: command, ...(args === undefined ? {} : { arguments: args }), id }) + '\n');
    });
  }

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first event named one of `names` that `matches`, or undefined after
   * `timeoutMs`, on close, or when `signal` aborts.
   */
  waitForEvent(names: string | readonly string[], timeoutMs: number, matches: (event: QmpEvent) => boolean = () => true, signal?: AbortSignal): Promise<QmpEvent | undefined> {
    const wanted = typeof names === 'string' ? [names] : names;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const stop = this.onEvent((event) => {
        if (wanted.includes(event.event) && matches(event)) done(event);
      });
      const onAbort = (): void => done(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
      void this.closed.then(() => done(undefined));
      function done(event: QmpEvent | undefined): void {
        clearTimeout(timer);
        stop();
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      }
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  async #handshake(timeoutMs: number): Promise<void> {
    // The greeting arrives unprompted; qmp_capabilities may only be sent after it.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no QMP greeting')), timeoutMs);
      this.#greeted = () => {
        clearTimeout(timer);
        resolve();
      };
      void this.closed.then(() => reject(new Error('QMP connection closed during the greeting')));
    });
    await this.execute('qmp_capabilities');
  }

  #receive(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('QMP' in message) {
      this.#greeted?.();
      this.#greeted = undefined;
      return;
    }
    if (typeof message['event'] === 'string') {
      for (const listener of this.#listeners) listener(message as unknown as QmpEvent);
      return;
    }
    const id = typeof message['id'] === 'string' ? message['id'] : undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (pending === undefined || id === undefined) return;
    this.#pending.delete(id);
    const error = message['error'] as { class?: string; desc?: string } | undefined;
    if (error !== undefined) {
      pending.reject(new SkyportError('ProviderError', `QEMU refused ${pending.command}: ${error.desc ?? 'no description'}`, { providerCode: error.class ?? 'QmpError' }));
    } else {
      pending.resolve(message['return']);
    }
  }
}
