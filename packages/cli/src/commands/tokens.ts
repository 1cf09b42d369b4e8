/** `skyport tokens ...`: API tokens for scripts and CI, scoped to a tenant and role. */
import { InvalidArgumentError, type Command } from 'commander';
import type { ApiTokenView } from '@skyport/client';
import { ROLES, type Role } from '@skyport/model';
import { contextOf, type CliEnvironment } from '../context.js';
import { formatAge, formatTime } from '../format.js';
import { examples } from '../help.js';
import { userNames } from '../user-names.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function registerTokens(program: Command, env: CliEnvironment): void {
  const tokens = program.command('tokens').description('API tokens: list, create (shown once), revoke');
  examples(tokens, ['skyport tokens create ci --role operator --expires 30d', 'skyport tokens list', 'skyport tokens revoke tok-0123456789abcdef0']);

  examples(
    tokens
      .command('list')
      .description("your API tokens in this tenant (every user's for admins); never the tokens themselves")
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.tokens.list();
        if (ctx.json) return ctx.out.json(list);
        const user = await userNames(ctx.client, list.map((t) => t.userId));
        ctx.out.table(
          [
            { header: 'id', value: (t: ApiTokenView) => t.id },
            { header: 'name', value: (t) => t.name },
            { header: 'user', value: (t) => user(t.userId) },
            { header: 'role', value: (t) => t.role },
            { header: 'expires', value: (t) => (t.expiresAt === undefined ? 'never' : formatTime(t.expiresAt)) },
            { header: 'last used', value: (t) => formatAge(t.lastUsedAt) },
            { header: 'created', value: (t) => formatTime(t.createdAt) },
          ],
          list,
          'tokens',
        );
        return undefined;
      }),
    ['skyport tokens list'],
  );

  examples(
    tokens
      .command('create')
      .description('create an API token for yourself in the current tenant; it is shown once')
      .argument('<name>', 'what the token is for (lowercase letters, digits, ".", "_", "-")')
      .option('--role <role>', `at most your own role (default: your role); one of ${ROLES.join(', ')}`, roleOption)
      .option('--expires <duration>', 'lifetime, e.g. 3600s, 90m, 12h, 30d, 2w (default: never)', durationOption)
      .action(async (name: string, opts: { role?: Role; expires?: number }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const created = await ctx.client.tokens.create({
          name,
          ...(opts.role === undefined ? {} : { role: opts.role }),
          ...(opts.expires === undefined ? {} : { expiresInSeconds: opts.expires }),
        });
        if (ctx.json) return ctx.out.json(created);
        const { view } = created;
        const expiry = view.expiresAt === undefined ? 'never expires' : `expires at ${formatTime(view.expiresAt)} UTC`;
        ctx.out.note(`created token ${view.name} (${view.id}), role ${view.role}, ${expiry}`);
        ctx.out.note('this is the only time the token is shown: store it now (the broker keeps only its hash)');
        // Alone on stdout, so `TOKEN=$(skyport tokens create ci)` captures just the token.
        ctx.out.line(created.token);
        return undefined;
      }),
    ['skyport tokens create ci --role operator --expires 30d', 'export SKYPORT_TOKEN=$(skyport tokens create laptop --expires 12h)'],
  );

  examples(
    tokens
      .command('revoke')
      .description('revoke an API token: it is refused from now on')
      .argument('<id>', 'token id (tok-…; see: skyport tokens list)')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await ctx.client.tokens.revoke(id);
        if (ctx.json) ctx.out.json({ revoked: id });
        else ctx.out.line(`revoked token ${id}`);
      }),
    ['skyport tokens revoke tok-0123456789abcdef0'],
  );
}

function roleOption(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not a role; roles: ${ROLES.join(', ')}.`);
  return value as Role;
}

/** `30d`, `12h`, `90m`, `3600s`, `2w` to seconds; the unit is required so `30` is not a surprise. */
function durationOption(value: string): number {
  const match = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  const seconds = match === null ? NaN : Number(match[1]) * UNIT_SECONDS[match[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new InvalidArgumentError('use a number and a unit: s, m, h, d or w (e.g. 3600s, 12h, 30d).');
  return seconds;
}
