/** `skyport access-key ...`: EC2 access key pairs, for AWS tools pointed at the broker's EC2 API. */
import type { Command } from 'commander';
import type { AccessKeyView } from '@skyport/client';
import { contextOf, type CliEnvironment } from '../context.js';
import { formatAge, formatTime } from '../format.js';
import { examples } from '../help.js';
import { userNames } from '../user-names.js';

export function registerAccessKeys(program: Command, env: CliEnvironment): void {
  const keys = program
    .command('access-key')
    .alias('access-keys')
    .description('EC2 access keys: create (the secret is shown once), list, delete');
  examples(keys, ['skyport access-key create', 'skyport access-key list', 'skyport access-key delete AKIA…']);

  examples(
    keys
      .command('create')
      .description('create an EC2 access key for yourself in the current tenant; the secret is shown once')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const created = await ctx.client.accessKeys.create();
        if (ctx.json) ctx.out.json(created);
        else {
          ctx.out.details([
            ['access key id', created.accessKeyId],
            ['secret access key', created.secretAccessKey],
          ]);
        }
        ctx.out.note('this is the only time the secret access key is shown: store it now (e.g. with `aws configure`); it cannot be read again');
      }),
    ['skyport access-key create', 'skyport access-key create --json > key.json'],
  );

  examples(
    keys
      .command('list')
      .description("your EC2 access keys in this tenant (every user's for admins); never the secrets")
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.accessKeys.list();
        if (ctx.json) return ctx.out.json(list);
        const user = await userNames(ctx.client, list.map((k) => k.userId));
        ctx.out.table(
          [
            { header: 'access key id', value: (k: AccessKeyView) => k.accessKeyId },
            { header: 'user', value: (k) => user(k.userId) },
            { header: 'created', value: (k) => formatTime(k.createdAt) },
            { header: 'last used', value: (k) => formatAge(k.lastUsedAt) },
          ],
          list,
          'access keys',
        );
        return undefined;
      }),
    ['skyport access-key list'],
  );

  examples(
    keys
      .command('delete')
      .description('delete an EC2 access key: requests signed with it are refused from now on')
      .argument('<id>', 'access key id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await ctx.client.accessKeys.delete(id);
        if (ctx.json) ctx.out.json({ deleted: id });
        else ctx.out.line(`deleted access key ${id}`);
      }),
    ['skyport access-key delete AKIAIOSFODNN7EXAMPLE'],
  );
}
