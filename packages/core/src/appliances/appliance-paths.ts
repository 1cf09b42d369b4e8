/**
 * Where the appliance flows keep files, all inside the broker's data folder:
 *   uploads/<uuid>.ova          OVAs received through the API, until their import ends
 *   work/<operation id>/        an import's extracted package (and export scratch space)
 *   exports/<operation id>/     an export's finished OVA, served until deleted or expired
 * One folder per operation, so cleaning up is removing one folder.
 */
import { join } from 'node:path';
import type { BrokerContext } from '../context.js';

export function uploadsDir(ctx: Pick<BrokerContext, 'dataDir'>): string {
  return join(ctx.dataDir, 'uploads');
}

export function workDir(ctx: Pick<BrokerContext, 'dataDir'>, operationId?: string): string {
  return operationId === undefined ? join(ctx.dataDir, 'work') : join(ctx.dataDir, 'work', operationId);
}

export function exportDir(ctx: Pick<BrokerContext, 'dataDir'>, operationId?: string): string {
  return operationId === undefined ? join(ctx.dataDir, 'exports') : join(ctx.dataDir, 'exports', operationId);
}

/** A resource name as a file name: what shells and every OVF consumer take without quoting. */
export function applianceFileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 100);
  return stem === '' ? 'appliance' : stem;
}
