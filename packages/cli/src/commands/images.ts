/** `skyport images list|show|create|delete`: the images instances boot from, and images made from instances. */
import type { Command } from 'commander';
import type { Image } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTags, formatTime, yesNo } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';
import { addWaitOption, finishOperations, type WaitFlag } from '../long-action.js';
import { keyValue } from '../options.js';

export function registerImages(program: Command, env: CliEnvironment): void {
  const images = program.command('images').description('images of every provider');
  examples(
    addInventoryOptions(images.command('list').description('list images')).action(async (opts: InventoryFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.images.list({ ...inventoryQuery(opts), ...paging }));
      const provider = await ctx.providerNames(page.items);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (i) => i.id },
            { header: 'provider', value: (i) => provider(i.providerId) },
            { header: 'name', value: (i) => i.name },
            { header: 'os', value: (i) => i.os },
            { header: 'arch', value: (i) => i.architecture },
            { header: 'state', value: (i) => i.state },
            { header: 'size GiB', value: (i) => i.sizeGiB },
          ],
          items,
          'images',
        ),
      );
    }),
    ['skyport images list --provider sim-east', 'skyport images list --name "ubuntu-*"'],
  );

  examples(
    images
      .command('show')
      .description('show one image')
      .argument('<id>', 'image id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const image = await ctx.client.images.get(id);
        if (ctx.json) ctx.out.json(image);
        else await showImage(ctx, image);
      }),
    ['skyport images show ami-0123456789abcdef0'],
  );

  examples(
    addWaitOption(
      images
        .command('create')
        .description("make an image of an instance's disk and wait until it is available (most providers need the instance stopped)")
        .argument('<instance>', 'instance id')
        .requiredOption('--name <name>', 'image name, unique in the provider')
        .option('--description <text>', 'what the image is')
        .option('--tag <k=v>', 'a tag; repeat for several', keyValue)
        .option('--idempotency-key <key>', 'makes a retried create safe: the same key and request make one image'),
    ).action(async (instanceId: string, opts: WaitFlag & { name: string; description?: string; tag?: Record<string, string>; idempotencyKey?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const op = await ctx.client.images.create(
        {
          instanceId,
          name: opts.name,
          ...(opts.description === undefined ? {} : { description: opts.description }),
          ...(opts.tag === undefined ? {} : { tags: opts.tag }),
        },
        opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey },
      );
      await finishOperations(ctx, [op], { wait: opts.wait !== false, show: (image) => showImage(ctx, image as Image) });
    }),
    ['skyport instances stop i-0123456789abcdef0 && skyport images create i-0123456789abcdef0 --name web-golden-1', 'skyport images create i-0123456789abcdef0 --name nightly --tag kind=backup --no-wait'],
  );

  examples(
    addWaitOption(images.command('delete').description('delete (deregister) an image; instances made from it keep running').argument('<id>', 'image id')).action(
      async (id: string, opts: WaitFlag, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await finishOperations(ctx, [await ctx.client.images.delete(id)], { wait: opts.wait !== false });
      },
    ),
    ['skyport images delete ami-0123456789abcdef0'],
  );
}

async function showImage(ctx: CliContext, i: Image): Promise<void> {
  const provider = await ctx.providerNames([i]);
  ctx.out.details([
    ['id', i.id],
    ['name', i.name],
    ['provider', provider(i.providerId)],
    ['description', i.description],
    ['os', i.os],
    ['architecture', i.architecture],
    ['state', i.state],
    ['size GiB', i.sizeGiB],
    ['public', yesNo(i.public)],
    ['tags', formatTags(i.tags)],
    ['created', formatTime(i.createdAt)],
  ]);
}
