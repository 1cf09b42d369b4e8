/** `skyport snapshots ...`: point-in-time copies of volumes. */
import type { Command } from 'commander';
import type { Snapshot } from '@skyport/model';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTime } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';
import { addWaitOption, finishOperations, type WaitFlag } from '../long-action.js';

export function registerSnapshots(program: Command, env: CliEnvironment): void {
  const snapshots = program.command('snapshots').description('volume snapshots of every provider');

  examples(
    addInventoryOptions(snapshots.command('list').description('list snapshots')).action(async (opts: InventoryFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.snapshots.list({ ...inventoryQuery(opts), ...paging }));
      const provider = await ctx.providerNames(page.items);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (s: Snapshot) => s.id },
            { header: 'provider', value: (s) => provider(s.providerId) },
            { header: 'name', value: (s) => s.name },
            { header: 'volume', value: (s) => s.volumeId },
            { header: 'size GiB', value: (s) => s.sizeGiB },
            { header: 'state', value: (s) => s.state },
            { header: 'progress', value: (s) => `${s.progress}%` },
            { header: 'created', value: (s) => formatTime(s.createdAt) },
          ],
          items,
          'snapshots',
        ),
      );
    }),
    ['skyport snapshots list', 'skyport snapshots list --provider sim-east --json'],
  );

  examples(
    addWaitOption(
      snapshots
        .command('create')
        .description('snapshot a volume and wait until the snapshot is complete')
        .argument('<volume>', 'volume id')
        .option('--name <name>', 'snapshot name (default: <volume name>-<UTC time>)'),
    ).action(async (volumeId: string, opts: WaitFlag & { name?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const name = opts.name ?? `${(await ctx.client.volumes.get(volumeId)).name}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
      const op = await ctx.client.snapshots.create({ volumeId, name });
      await finishOperations(ctx, [op], { wait: opts.wait !== false });
    }),
    ['skyport snapshots create vol-0123456789abcdef0 --name before-upgrade'],
  );

  examples(
    addWaitOption(snapshots.command('delete').description('delete a snapshot').argument('<id>', 'snapshot id')).action(
      async (id: string, opts: WaitFlag, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await finishOperations(ctx, [await ctx.client.snapshots.delete(id)], { wait: opts.wait !== false });
      },
    ),
    ['skyport snapshots delete snap-0123456789abcdef0'],
  );
}
