/** `skyport operations ...`: the long actions behind every 202 answer. */
import type { Command } from 'commander';
import type { Operation, OperationStatus } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTime } from '../format.js';
import { addPageOptions, fetchPages, printPage, type PageFlags } from '../lists.js';
import { finishOperations } from '../long-action.js';
import { collectList } from '../options.js';

export function registerOperations(program: Command, env: CliEnvironment): void {
  const operations = program.command('operations').description('long actions (create, start, stop, ...) and their progress');

  examples(
    addPageOptions(
      operations
        .command('list')
        .description('list operations, newest first')
        .option('--status <statuses>', 'only these statuses, comma list (queued, running, succeeded, failed, cancelled)', collectList)
        .option('--provider <provider>', 'only operations on this provider (name or id)')
        .option('--target <id>', 'only operations on this resource'),
    ).action(async (opts: PageFlags & { status?: string[]; provider?: string; target?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      // This filter takes an id only (unlike the inventory lists), so a name is looked up.
      const provider = opts.provider === undefined ? undefined : (await ctx.client.providers.get(opts.provider)).id;
      const filter = {
        ...(opts.status === undefined ? {} : { status: opts.status as OperationStatus[] }),
        ...(provider === undefined ? {} : { provider }),
        ...(opts.target === undefined ? {} : { target: opts.target }),
      };
      const page = await fetchPages(opts, (paging) => ctx.client.operations.list({ ...filter, ...paging }));
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (o: Operation) => o.id },
            { header: 'type', value: (o) => o.type },
            { header: 'status', value: (o) => o.status },
            { header: 'progress', value: (o) => `${o.progress}%` },
            { header: 'target', value: (o) => o.targetId },
            { header: 'updated', value: (o) => formatTime(o.updatedAt) },
            { header: 'message', value: (o) => o.error?.message ?? o.message },
          ],
          items,
          'operations',
        ),
      );
    }),
    ['skyport operations list', 'skyport operations list --status running,queued', 'skyport operations list --target i-0123456789abcdef0'],
  );

  examples(
    operations
      .command('show')
      .description('show one operation')
      .argument('<id>', 'operation id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const op = await ctx.client.operations.get(id);
        if (ctx.json) ctx.out.json(op);
        else showOperation(ctx, op);
      }),
    ['skyport operations show op-0123456789abcdef0'],
  );

  examples(
    operations
      .command('wait')
      .description('follow an operation until it is done (exit 1 if it fails)')
      .argument('<id>', 'operation id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await finishOperations(ctx, [await ctx.client.operations.get(id)], { wait: true });
      }),
    ['skyport operations wait op-0123456789abcdef0'],
  );
}

function showOperation(ctx: CliContext, o: Operation): void {
  ctx.out.details([
    ['id', o.id],
    ['type', o.type],
    ['status', o.status],
    ['progress', `${o.progress}%`],
    ['message', o.message],
    ['provider', o.providerId],
    ['target', o.targetId === undefined ? undefined : `${o.targetKind ?? 'resource'} ${o.targetId}`],
    ['error', o.error === undefined ? undefined : `${o.error.code}: ${o.error.message}`],
    ['result', o.result === undefined ? undefined : JSON.stringify(o.result)],
    ['created', formatTime(o.createdAt)],
    ['updated', formatTime(o.updatedAt)],
    ['finished', formatTime(o.finishedAt)],
  ]);
}
