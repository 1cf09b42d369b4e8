import { SkyportError, toSkyportError } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import { OPERATION_HANDLERS } from './handlers.js';

/**
 * Runs one claimed operation to its end. A broker that stops mid-way puts the operation back
 * in the queue; its checkpoints let the next run skip the provider calls already made.
 */
export async function runOperation(ctx: BrokerContext, operationId: string, signal: AbortSignal, onSettled?: (providerId: string) => void): Promise<void> {
  let op = await ctx.operations.get(operationId);
  if (op.status !== 'running') return;
  try {
    const handler = OPERATION_HANDLERS[op.type];
    if (!handler) throw new SkyportError('Internal', `no handler for operation type ${op.type}`);
    if (!op.providerId) throw new SkyportError('Internal', `operation ${op.id} names no provider`);
    const conn = await ctx.connections.get(op.providerId);
    const step = {
      ctx,
      get op() {
        return op;
      },
      conn,
      signal,
      report: async (progress: number, message: string) => {
        op = await ctx.operations.update(op.id, { progress: Math.max(op.progress, Math.round(progress)), message });
      },
      checkpoint: async (result: Record<string, unknown>) => {
        op = await ctx.operations.update(op.id, { result: { ...(op.result ?? {}), ...result } });
      },
    };
    const result = await handler(step);
    op = await ctx.operations.update(op.id, {
      status: 'succeeded',
      progress: 100,
      message: 'done',
      result: { ...(op.result ?? {}), ...result },
      lockedBy: null,
      finishedAt: ctx.clock.now().toISOString(),
    });
  } catch (raw) {
    if (signal.aborted) {
      // Interrupted by shutdown, not failed: the next start resumes from the checkpoint.
      await ctx.operations.update(op.id, { status: 'queued', lockedBy: null, message: 'interrupted by a broker shutdown; resumes on restart' });
      return;
    }
    const error = toSkyportError(raw);
    if (error.code === 'Internal') ctx.logger.error({ err: raw, operationId }, 'operation failed unexpectedly');
    await ctx.operations.update(op.id, {
      status: 'failed',
      message: error.message,
      error: error.toJSON(),
      lockedBy: null,
      finishedAt: ctx.clock.now().toISOString(),
    });
  } finally {
    if (op.providerId) onSettled?.(op.providerId);
  }
}
