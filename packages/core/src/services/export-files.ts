/**
 * Exported OVAs, named by the operation that made them. They are served until deleted or
 * until they expire (`tuning.exportRetentionMs`, 24 h by default; the sweeper removes them),
 * and only to the tenant that owns the provider they came from: another tenant's export is
 * reported exactly like one that does not exist.
 */
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';
import type { ExportSummary } from '@skyport/model';
import type { Broker, ExportFile } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { OperationRecord } from '../ports/index.js';
import { exportDir } from '../appliances/appliance-paths.js';
import type { ExportResult } from '../appliances/export-handler.js';

export const EXPORT_OPERATION_TYPES: ReadonlySet<string> = new Set(['image.export', 'instance.export']);

function notFound(id: string, why = 'does not exist'): SkyportError {
  return new SkyportError('NotFound', `export ${id} ${why}; an export is named by the id of the operation that made it (POST /api/v1/instances/{id}/export or /images/{id}/export)`, {
    details: { operationId: id },
  });
}

async function exportOperation(ctx: BrokerContext, id: string): Promise<OperationRecord> {
  const op = await ctx.store.operations.get(id);
  if (!op || !EXPORT_OPERATION_TYPES.has(op.type) || op.providerId === null) throw notFound(id);
  if (ctx.scope && !(await ctx.scope.ownsProvider(op.providerId))) throw notFound(id);
  return op;
}

/** The finished file of an export, or the reason there is none (still running, failed, deleted, expired). */
async function finishedExport(ctx: BrokerContext, op: OperationRecord): Promise<{ result: ExportResult; path: string }> {
  if (op.status === 'queued' || op.status === 'running') {
    throw new SkyportError('InvalidState', `export ${op.id} is still ${op.status} (${op.progress}%); wait for it with GET /api/v1/operations/${op.id}/wait`, {
      details: { operationId: op.id, status: op.status, progress: op.progress },
    });
  }
  if (op.status !== 'succeeded') {
    throw new SkyportError('InvalidState', `export ${op.id} ${op.status}: ${op.error?.message ?? op.message ?? 'no reason given'}; there is no file to download`, {
      details: { operationId: op.id, status: op.status },
    });
  }
  const result = op.result as unknown as ExportResult & { deletedAt?: string };
  if (result.deletedAt !== undefined) throw notFound(op.id, `was deleted at ${result.deletedAt}`);
  if (Date.parse(result.expiresAt) <= ctx.clock.now().getTime()) throw notFound(op.id, `expired at ${result.expiresAt}; export again`);
  const path = join(exportDir(ctx, op.id), result.fileName);
  const file = await stat(path).catch(() => undefined);
  if (file === undefined) throw notFound(op.id, 'has no file any more (removed by the broker); export again');
  return { result, path };
}

/** Operations read per page while listing. */
const LIST_PAGE = 200;

export function exportFileService(ctx: BrokerContext): Broker['exports'] {
  return {
    async list(): Promise<ExportSummary[]> {
      const providers = ctx.scope ? new Set(await ctx.scope.providerIds()) : undefined;
      // Nothing older than the retention can still be served (an export expires at most that
      // long after it finished), so the walk stops at the first page past it.
      const oldest = ctx.clock.now().getTime() - ctx.tuning.exportRetentionMs - 60 * 60_000;
      const found: ExportSummary[] = [];
      for (let cursor: string | undefined; ; ) {
        const page = await ctx.store.operations.list({ types: [...EXPORT_OPERATION_TYPES], statuses: ['succeeded'], limit: LIST_PAGE, ...(cursor === undefined ? {} : { cursor }) });
        for (const op of page.items) {
          if (op.providerId === null || (providers !== undefined && !providers.has(op.providerId))) continue;
          const served = await finishedExport(ctx, op).catch(() => undefined);
          if (served === undefined) continue;
          const { result } = served;
          found.push({
            operationId: op.id,
            fileName: result.fileName,
            sizeBytes: result.sizeBytes,
            sha256: result.sha256,
            ovfVersion: result.ovfVersion,
            expiresAt: result.expiresAt,
            providerId: op.providerId,
            source: { kind: op.type === 'image.export' ? 'image' : 'instance', id: op.targetId ?? '' },
            createdAt: op.createdAt,
          });
        }
        const last = page.items[page.items.length - 1];
        if (page.nextCursor === undefined || last === undefined || Date.parse(last.createdAt) < oldest) return found;
        cursor = page.nextCursor;
      }
    },

    async get(operationId: string): Promise<ExportFile> {
      const op = await exportOperation(ctx, operationId);
      const { result, path } = await finishedExport(ctx, op);
      return {
        operationId: op.id,
        fileName: result.fileName,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
        ovfVersion: result.ovfVersion,
        expiresAt: result.expiresAt,
        open: () => createReadStream(path),
      };
    },

    async delete(operationId: string): Promise<void> {
      const op = await exportOperation(ctx, operationId);
      await finishedExport(ctx, op);
      // Marked first: a download starting now is refused, one already streaming finishes.
      await ctx.operations.update(op.id, { result: { ...op.result, deletedAt: ctx.clock.now().toISOString() } });
      await rm(exportDir(ctx, op.id), { recursive: true, force: true });
    },
  };
}
