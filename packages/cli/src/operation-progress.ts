/**
 * Follows operations until they are done, showing progress: a bar per operation on a
 * terminal, or one plain line per change otherwise (logs, CI, pipes). Progress goes to
 * stderr so stdout keeps only the result.
 *
 * It polls `GET /operations/{id}` rather than reading the event stream: polling works through
 * any proxy, cannot miss an update that happened before a stream was open, and an operation
 * moves at the pace of the provider anyway (the broker reports progress between polls).
 */
import cliProgress from 'cli-progress';
import { isOperationDone, type Operation } from '@skyport/model';
import type { SkyportClient } from '@skyport/client';
import type { Output } from './output.js';

const FIRST_POLL_MS = 150;
const MAX_POLL_MS = 1000;

/** `op-… 50% instance is pending`; done ones say how they ended. */
export function progressLine(op: Operation): string {
  if (!isOperationDone(op.status)) return `${op.id} ${op.progress}% ${op.message ?? op.status}`;
  if (op.status === 'succeeded') return `${op.id} ${op.progress}% succeeded${op.message === undefined ? '' : `: ${op.message}`}`;
  return `${op.id} ${op.progress}% ${op.status}: ${op.error?.message ?? op.message ?? 'no reason given'}`;
}

interface Display {
  update(op: Operation): void;
  stop(): void;
}

function lineDisplay(out: Output): Display {
  const last = new Map<string, string>();
  return {
    update(op) {
      const line = progressLine(op);
      if (last.get(op.id) === line) return;
      last.set(op.id, line);
      out.note(line);
    },
    stop() {},
  };
}

function barDisplay(out: Output, ops: readonly Operation[]): Display {
  const multi = new cliProgress.MultiBar(
    {
      format: '{id} [{bar}] {percentage}% {message}',
      stream: out.stderr,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(ops.map((op) => [op.id, multi.create(100, op.progress, { id: op.id, message: op.message ?? op.status })]));
  return {
    update(op) {
      const message = isOperationDone(op.status) ? progressLine(op).replace(/^\S+ \d+% /, '') : (op.message ?? op.status);
      bars.get(op.id)?.update(op.progress, { id: op.id, message });
    },
    stop() {
      multi.stop();
    },
  };
}

/**
 * Resolves with every operation in its final state. Ctrl-C stops waiting (not the
 * operations) and says how to pick them up again.
 */
export async function followOperations(client: SkyportClient, out: Output, started: readonly Operation[]): Promise<Operation[]> {
  const interactive = out.stdout.isTTY === true && out.stderr.isTTY === true;
  const display = interactive ? barDisplay(out, started) : lineDisplay(out);
  const current = new Map(started.map((op) => [op.id, op]));
  for (const op of started) display.update(op);

  const onInterrupt = () => {
    display.stop();
    const pending = [...current.values()].filter((op) => !isOperationDone(op.status)).map((op) => op.id);
    const ids = pending.length > 0 ? pending : [...current.keys()];
    out.note(`\nskyport: stopped waiting; ${ids.length === 1 ? 'the operation continues' : 'the operations continue'} on the broker.`);
    for (const id of ids) out.note(`  follow it with: skyport operations wait ${id}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    let delay = FIRST_POLL_MS;
    for (;;) {
      const pending = [...current.values()].filter((op) => !isOperationDone(op.status));
      if (pending.length === 0) break;
      await sleep(delay);
      const fresh = await Promise.all(pending.map((op) => poll(client, out, op.id)));
      let changed = false;
      for (const op of fresh) {
        const before = current.get(op.id);
        if (before?.updatedAt !== op.updatedAt || before.status !== op.status) changed = true;
        current.set(op.id, op);
        display.update(op);
      }
      // Quick while things move, slower while the provider takes its time.
      delay = changed ? FIRST_POLL_MS : Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    display.stop();
  }
  return started.map((op) => current.get(op.id) ?? op);
}

/** One read; losing the broker mid-wait must not look like losing the operation. */
async function poll(client: SkyportClient, out: Output, id: string): Promise<Operation> {
  try {
    return await client.operations.get(id);
  } catch (error) {
    out.note(`skyport: lost track of operation ${id}; it continues on the broker: follow it with \`skyport operations wait ${id}\``);
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
