/**
 * EC2 creates answer with the new resource itself (RunInstances returns instances, CreateVolume
 * a volume); Skyport's creates return an operation. This waits until the provider has
 * accepted the create and the resource is in the inventory — usually one provider call — so
 * the answer shows real data, and a create the provider refuses at once is reported as the
 * error it is instead of an instance that later vanishes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker } from '@skyport/core';
import { SkyportError, isSkyportError, type Operation } from '@skyport/model';

const DEFAULT_TIMEOUT_MS = 10_000;

export async function awaitCreated<T>(broker: Broker, operation: Operation, get: (id: string) => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T | undefined> {
  const id = operation.targetId;
  if (id === undefined) return undefined;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await get(id);
    } catch (error) {
      if (!isSkyportError(error) || error.code !== 'NotFound') throw error;
    }
    const current = await broker.operations.get(operation.id);
    if (current.status === 'failed' && current.error !== undefined) throw SkyportError.fromJSON(current.error);
    if (current.status === 'cancelled' || (current.status === 'succeeded' && Date.now() > deadline)) return undefined;
    // Still queued or running: an answer with what the request said is better than none.
    if (Date.now() > deadline) return undefined;
    await sleep(delay);
  }
}

/** How long an action waits for the provider to accept it before answering anyway. */
const ACCEPT_WINDOW_MS = 3000;

/**
 * EC2 actions (StopInstances, AttachVolume, ...) answer once the cloud has taken the request,
 * and refuse there and then what the cloud refuses (a device name it does not know). Skyport
 * queues them as operations; this waits until the operation has finished, or has checkpointed
 * a result of its own (the provider accepted it), or a short window has passed — and turns a
 * quick failure into the error the caller should have got.
 */
export async function awaitAccepted(broker: Broker, operation: Operation, windowMs = ACCEPT_WINDOW_MS): Promise<Operation> {
  const deadline = Date.now() + windowMs;
  for (let delay = 20, current = operation; ; delay = Math.min(delay * 2, 200)) {
    if (current.status === 'failed' && current.error !== undefined) throw SkyportError.fromJSON(current.error);
    if (current.status === 'succeeded' || current.status === 'cancelled') return current;
    if (current.result !== undefined && Object.keys(current.result).length > 0) return current;
    if (Date.now() >= deadline) return current;
    await sleep(delay);
    current = await broker.operations.get(operation.id);
  }
}
