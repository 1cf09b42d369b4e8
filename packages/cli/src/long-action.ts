/**
 * What every command that starts an operation does next: by default wait for it with
 * progress and show the resource it produced; with `--no-wait`, print the operation id and
 * return at once. A failed operation is an error (exit 1) carrying the operation's error.
 */
import type { Command } from 'commander';
import { SkyportError, isSkyportError, type Operation, type ResourceKind } from '@skyport/model';
import type { SkyportClient } from '@skyport/client';
import type { CliContext } from './context.js';
import { followOperations } from './operation-progress.js';

export interface WaitFlag {
  readonly wait?: boolean;
}

/** Adds `--no-wait` to a command that starts an operation. */
export function addWaitOption(command: Command): Command {
  return command.option('--no-wait', 'print the operation id and return without waiting for it');
}

export interface FinishOptions {
  readonly wait: boolean;
  /** Shows one resulting resource in text mode; the default is one summary line. */
  readonly show?: (resource: unknown, op: Operation) => void | Promise<void>;
}

export async function finishOperations(ctx: CliContext, started: readonly Operation[], options: FinishOptions): Promise<void> {
  if (!options.wait) {
    if (ctx.json) ctx.out.json(started.length === 1 ? started[0] : started);
    else {
      for (const op of started) ctx.out.line(op.id);
      const first = started[0];
      if (first !== undefined) ctx.out.note(`started; follow with: skyport operations wait ${first.id}`);
    }
    return;
  }
  const done = await followOperations(ctx.client, ctx.out, started);
  const failed = done.filter((op) => op.status !== 'succeeded');
  const succeeded = done.filter((op) => op.status === 'succeeded');

  const results = await Promise.all(succeeded.map(async (op) => ({ op, resource: await targetOf(ctx.client, op) })));
  if (ctx.json) {
    // The resource the operation produced (a running instance, say); the operation itself
    // when the resource is gone (deleted) or the operation has no target.
    const values = results.map(({ op, resource }) => resource ?? op);
    if (failed.length === 0) ctx.out.json(values.length === 1 ? values[0] : values);
    else if (values.length > 0) ctx.out.json(values);
  } else {
    for (const { op, resource } of results) {
      if (resource !== undefined && options.show !== undefined) await options.show(resource, op);
      else ctx.out.line(summary(op, resource));
    }
  }
  if (failed.length === 0) return;
  for (const op of failed.slice(1)) ctx.out.note(`skyport: ${failure(op).message}`);
  throw failure(failed[0]!);
}

/** `instance i-… (web-1) is running`, or what the operation did when nothing is left to show. */
function summary(op: Operation, resource: unknown): string {
  const r = resource as { id?: string; name?: string; state?: string } | undefined;
  if (r?.id !== undefined) return `${noun(op.targetKind)} ${r.id}${r.name === undefined ? '' : ` (${r.name})`}${r.state === undefined ? '' : ` is ${r.state}`}`;
  return `${op.type}${op.targetId === undefined ? '' : ` ${op.targetId}`} succeeded`;
}

function failure(op: Operation): SkyportError {
  const reason = op.error?.message ?? op.message ?? `it was ${op.status}`;
  return new SkyportError(op.error?.code ?? 'Internal', `operation ${op.id} (${op.type}${op.targetId === undefined ? '' : ` ${op.targetId}`}) ${op.status}: ${reason}`, {
    ...(op.error?.details === undefined ? {} : { details: op.error.details }),
  });
}

const NOUNS: Partial<Record<ResourceKind, string>> = { keyPair: 'key pair', hardwareProfile: 'hardware profile', securityGroup: 'security group' };

function noun(kind: ResourceKind | undefined): string {
  return kind === undefined ? 'resource' : (NOUNS[kind] ?? kind);
}

/** The resource an operation acted on, fresh; undefined when it is gone or has no reader. */
async function targetOf(client: SkyportClient, op: Operation): Promise<unknown> {
  if (op.targetId === undefined) return undefined;
  const id = op.targetId;
  const readers: Partial<Record<ResourceKind, (id: string) => Promise<unknown>>> = {
    instance: (i) => client.instances.get(i),
    volume: (i) => client.volumes.get(i),
    snapshot: (i) => client.snapshots.get(i),
    keyPair: (i) => client.keyPairs.get(i),
    image: (i) => client.images.get(i),
    securityGroup: (i) => client.securityGroups.get(i),
  };
  const read = op.targetKind === undefined ? undefined : readers[op.targetKind];
  if (read === undefined) return undefined;
  try {
    return await read(id);
  } catch (error) {
    if (isSkyportError(error) && error.code === 'NotFound') return undefined;
    throw error;
  }
}
