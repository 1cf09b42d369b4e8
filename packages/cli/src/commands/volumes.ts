/** `skyport volumes ...`: block volumes; every change is an operation. */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Volume } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTags, formatTime } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';
import { addWaitOption, finishOperations, type WaitFlag } from '../long-action.js';
import { integer } from '../options.js';
import { resolveLocation } from '../resolve.js';

export function registerVolumes(program: Command, env: CliEnvironment): void {
  const volumes = program.command('volumes').description('block volumes of every provider');

  examples(
    addInventoryOptions(volumes.command('list').description('list volumes')).action(async (opts: InventoryFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.volumes.list({ ...inventoryQuery(opts), ...paging }));
      const provider = await ctx.providerNames(page.items);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (v: Volume) => v.id },
            { header: 'provider', value: (v) => provider(v.providerId) },
            { header: 'name', value: (v) => v.name },
            { header: 'size GiB', value: (v) => v.sizeGiB },
            { header: 'state', value: (v) => v.state },
            { header: 'attached to', value: (v) => (v.attachment === undefined ? '' : `${v.attachment.instanceId} ${v.attachment.device}`) },
            { header: 'created', value: (v) => formatTime(v.createdAt) },
          ],
          items,
          'volumes',
        ),
      );
    }),
    ['skyport volumes list', 'skyport volumes list --provider sim-east --json'],
  );

  examples(
    addWaitOption(
      volumes
        .command('create')
        .description('create a volume and wait until it is available')
        .requiredOption('--provider <provider>', 'provider name or id')
        .requiredOption('--size <GiB>', 'size in GiB', integer(1))
        .option('--name <name>', 'volume name (default: a generated one)')
        .option('--zone <zone>', 'zone name or location id')
        .option('--snapshot <id>', 'create from this snapshot'),
    ).action(async (opts: WaitFlag & { provider: string; size: number; name?: string; zone?: string; snapshot?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const locationId = opts.zone === undefined ? undefined : await resolveLocation(ctx.client, opts.provider, opts.zone);
      const op = await ctx.client.volumes.create({
        providerId: opts.provider,
        name: opts.name ?? `vol-${randomBytes(3).toString('hex')}`,
        sizeGiB: opts.size,
        ...(locationId === undefined ? {} : { locationId }),
        ...(opts.snapshot === undefined ? {} : { snapshotId: opts.snapshot }),
      });
      await finishOperations(ctx, [op], { wait: opts.wait !== false, show: (v) => showVolume(ctx, v as Volume) });
    }),
    ['skyport volumes create --provider sim-east --size 20 --name data-1', 'skyport volumes create --provider sim-east --size 20 --snapshot snap-0123456789abcdef0'],
  );

  examples(
    addWaitOption(
      volumes
        .command('attach')
        .description('attach a volume to an instance')
        .argument('<volume>', 'volume id')
        .argument('<instance>', 'instance id')
        .option('--device <device>', 'device name in the guest, e.g. /dev/vdb (default: the driver picks)'),
    ).action(async (volume: string, instance: string, opts: WaitFlag & { device?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const op = await ctx.client.volumes.attach(volume, instance, opts.device);
      await finishOperations(ctx, [op], { wait: opts.wait !== false });
    }),
    ['skyport volumes attach vol-0123456789abcdef0 i-0123456789abcdef0 --device /dev/vdb'],
  );

  examples(
    addWaitOption(volumes.command('detach').description('detach a volume from its instance').argument('<volume>', 'volume id')).action(
      async (volume: string, opts: WaitFlag, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await finishOperations(ctx, [await ctx.client.volumes.detach(volume)], { wait: opts.wait !== false });
      },
    ),
    ['skyport volumes detach vol-0123456789abcdef0'],
  );

  examples(
    addWaitOption(volumes.command('delete').description('delete a volume (it must be detached)').argument('<volume>', 'volume id')).action(
      async (volume: string, opts: WaitFlag, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await finishOperations(ctx, [await ctx.client.volumes.delete(volume)], { wait: opts.wait !== false });
      },
    ),
    ['skyport volumes delete vol-0123456789abcdef0'],
  );
}

async function showVolume(ctx: CliContext, v: Volume): Promise<void> {
  const provider = await ctx.providerNames([v]);
  ctx.out.details([
    ['id', v.id],
    ['name', v.name],
    ['provider', provider(v.providerId)],
    ['size GiB', v.sizeGiB],
    ['state', v.state],
    ['location', v.locationId],
    ['snapshot', v.snapshotId],
    ['attached to', v.attachment === undefined ? undefined : `${v.attachment.instanceId} as ${v.attachment.device}`],
    ['tags', formatTags(v.tags)],
    ['created', formatTime(v.createdAt)],
  ]);
}
