/**
 * Removes appliance files nobody will ask for again: exports past their expiry (or whose
 * operation failed or is unknown), work folders of operations no longer running, and uploads
 * no queued or running import refers to. Operations clean up after themselves; this catches
 * what a crash left and what expired. Runs when the broker starts, then periodically.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerContext } from '../context.js';
import { exportDir, uploadsDir, workDir } from './appliance-paths.js';

/** An upload or work folder younger than this may belong to a request still being accepted. */
const GRACE_MS = 60 * 60_000;

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function olderThan(path: string, ms: number, now: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && now - info.mtimeMs > ms;
}

export async function sweepApplianceFiles(ctx: BrokerContext): Promise<number> {
  const now = ctx.clock.now().getTime();
  let removed = 0;
  const remove = async (path: string) => {
    await rm(path, { recursive: true, force: true });
    removed++;
  };

  for (const name of await entries(exportDir(ctx))) {
    const op = await ctx.store.operations.get(name);
    if (op?.status === 'queued' || op?.status === 'running') continue;
    const result = op?.result as { expiresAt?: string; deletedAt?: string } | null | undefined;
    const expired = result?.expiresAt === undefined || Date.parse(result.expiresAt) <= now || result.deletedAt !== undefined;
    if (op === undefined || op.status !== 'succeeded' || expired) await remove(join(exportDir(ctx), name));
  }

  for (const name of await entries(workDir(ctx))) {
    const op = await ctx.store.operations.get(name);
    if (op?.status === 'queued' || op?.status === 'running') continue;
    if (op !== undefined || (await olderThan(join(workDir(ctx), name), GRACE_MS, now))) await remove(join(workDir(ctx), name));
  }

  const active = await ctx.store.operations.list({ statuses: ['queued', 'running'], limit: 1000 });
  const inUse = new Set(active.items.filter((o) => o.type === 'image.import').map((o) => String(o.input['uploadPath'])));
  for (const name of await entries(uploadsDir(ctx))) {
    const path = join(uploadsDir(ctx), name);
    // A partial file grows (and so stays fresh) while its upload runs.
    if (!inUse.has(path) && (await olderThan(path, GRACE_MS, now))) await remove(path);
  }
  if (removed > 0) ctx.logger.info({ removed }, 'removed expired or abandoned appliance files');
  return removed;
}
