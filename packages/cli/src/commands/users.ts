/** `skyport users ...`: people and robots, their roles per tenant, their passwords. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Membership, User } from '@skyport/client';
import { ROLES, type Role } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { formatTime, yesNo } from '../format.js';
import { examples } from '../help.js';
import { UsageError } from '../options.js';
import { confirm, newPassword } from '../prompt.js';
import { tenantNames } from '../tenant-names.js';

export function registerUsers(program: Command, env: CliEnvironment): void {
  const users = program.command('users').description('users and their roles per tenant: list, show, create, passwd, delete');
  examples(users, ['skyport users list', 'skyport users create bob --member acme:operator --ask-password', 'skyport users passwd bob']);

  examples(
    users
      .command('list')
      .description("list the users of your tenant (every user for system administrators; admins only)")
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.users.list();
        if (ctx.json) return ctx.out.json(list);
        const tenant = await tenantNames(ctx.client);
        ctx.out.table(
          [
            { header: 'id', value: (u: User) => u.id },
            { header: 'name', value: (u) => u.name },
            { header: 'memberships', value: (u) => memberships(u, tenant) },
            { header: 'system admin', value: (u) => yesNo(u.systemAdmin) },
            { header: 'created', value: (u) => formatTime(u.createdAt) },
          ],
          list,
          'users',
        );
        return undefined;
      }),
    ['skyport users list', 'skyport users list --json'],
  );

  examples(
    users
      .command('show')
      .description('show one user and its roles')
      .argument('<user>', 'user name or id')
      .action(async (idOrName: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const user = await ctx.client.users.get(idOrName);
        if (ctx.json) ctx.out.json(user);
        else await showUser(ctx, user);
      }),
    ['skyport users show bob'],
  );

  examples(
    users
      .command('create')
      .description('create a user with a role in one or more tenants')
      .argument('<name>', 'unique name: lowercase letters, digits, ".", "_", "-"')
      .option('--member <tenant:role>', `a tenant (name or id) and a role (${ROLES.join(', ')}); repeatable`, memberOption)
      .option('--system-admin', 'a system administrator: manages tenants and users of every tenant')
      .option('--password-stdin', 'set the password read from stdin')
      .option('--ask-password', 'set a password asked for (twice) on the terminal')
      .action(async (name: string, opts: { member?: Membership[]; systemAdmin?: boolean; passwordStdin?: boolean; askPassword?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        if (opts.member === undefined && opts.systemAdmin !== true) {
          throw new UsageError('a user needs a role in a tenant: add --member <tenant>:<role> (or --system-admin)');
        }
        if (opts.passwordStdin === true && opts.askPassword === true) throw new UsageError('give --password-stdin or --ask-password, not both');
        const wantsPassword = opts.passwordStdin === true || opts.askPassword === true;
        const password = wantsPassword ? await newPassword(opts.passwordStdin === true, name) : undefined;
        const user = await ctx.client.users.create({
          name,
          memberships: opts.member ?? [],
          ...(opts.systemAdmin === true ? { systemAdmin: true } : {}),
          ...(password === undefined ? {} : { password }),
        });
        if (ctx.json) return ctx.out.json(user);
        ctx.out.note(`created user ${user.name} (${user.id})`);
        if (password === undefined) ctx.out.note(`it has no password and cannot log in until one is set: skyport users passwd ${user.name}`);
        await showUser(ctx, user);
        return undefined;
      }),
    [
      'skyport users create alice --member acme:admin --ask-password',
      'skyport users create bob --member acme:operator --member lab:viewer --password-stdin < bob.pw',
      'skyport users create root2 --system-admin --member default:admin --ask-password',
    ],
  );

  examples(
    users
      .command('passwd')
      .description('set the password of a user (your own, or any in your tenant as admin)')
      .argument('<user>', 'user name or id')
      .option('--password-stdin', 'read the new password from stdin instead of asking for it twice')
      .action(async (idOrName: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const password = await newPassword(opts.passwordStdin === true, idOrName);
        await ctx.client.users.setPassword(idOrName, password);
        if (ctx.json) ctx.out.json({ passwordChanged: idOrName });
        else ctx.out.line(`password of ${idOrName} changed`);
      }),
    ['skyport users passwd bob', 'skyport users passwd bob --password-stdin < new.pw'],
  );

  examples(
    users
      .command('delete')
      .description('delete a user; its tokens, sessions and access keys stop working at once')
      .argument('<user>', 'user name or id')
      .option('-y, --yes', 'do not ask for confirmation')
      .action(async (idOrName: string, opts: { yes?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const user = await ctx.client.users.get(idOrName);
        if (opts.yes !== true) await confirm(`delete user ${user.name} (${user.id}) and revoke its tokens and access keys?`, 'nothing was deleted');
        await ctx.client.users.delete(user.id);
        if (ctx.json) ctx.out.json({ deleted: user.id });
        else ctx.out.line(`deleted user ${user.name} (${user.id}); its tokens and access keys were revoked`);
      }),
    ['skyport users delete bob --yes'],
  );
}

async function showUser(ctx: CliContext, user: User): Promise<void> {
  const tenant = await tenantNames(ctx.client);
  ctx.out.details([
    ['id', user.id],
    ['name', user.name],
    ['memberships', memberships(user, tenant)],
    ['system admin', yesNo(user.systemAdmin)],
    ['created', formatTime(user.createdAt)],
  ]);
}

/** `acme:admin, lab:viewer` — the same form `--member` takes. */
function memberships(user: User, tenant: (id: string) => string): string {
  return user.memberships.map((m) => `${tenant(m.tenantId)}:${m.role}`).join(', ');
}

/** `--member tenant:role`; the role is checked here, the tenant (name or id) by the broker. */
function memberOption(value: string, previous: Membership[] | undefined): Membership[] {
  const at = value.lastIndexOf(':');
  const tenantId = at === -1 ? '' : value.slice(0, at).trim();
  const role = at === -1 ? '' : value.slice(at + 1).trim();
  if (tenantId === '' || role === '') throw new InvalidArgumentError(`use <tenant>:<role>, e.g. acme:operator; roles: ${ROLES.join(', ')}.`);
  if (!(ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError(`"${role}" is not a role; roles: ${ROLES.join(', ')}.`);
  if (previous?.some((m) => m.tenantId === tenantId)) throw new InvalidArgumentError(`tenant ${tenantId} is given twice; a user has one role per tenant.`);
  return [...(previous ?? []), { tenantId, role: role as Role }];
}
