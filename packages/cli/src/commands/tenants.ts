/** `skyport tenants ...`: the teams the broker keeps apart, and their quotas. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Quotas, Tenant } from '@skyport/client';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { formatTime } from '../format.js';
import { examples } from '../help.js';
import { formatQuotas, QUOTA_KEYS } from '../tenant-names.js';

type QuotaKey = (typeof QUOTA_KEYS)[number];
/** A quota change: a number sets the limit, null (`unlimited`) removes it. */
type QuotaChanges = Partial<Record<QuotaKey, number | null>>;

export function registerTenants(program: Command, env: CliEnvironment): void {
  const tenants = program.command('tenants').description('tenants and their quotas: list, show, create, quotas, usage');
  examples(tenants, ['skyport tenants list', 'skyport tenants create acme --quota instances=20 --quota vcpus=64', 'skyport tenants usage acme']);

  examples(
    tenants
      .command('list')
      .description('list the tenants you can see (all of them for system administrators)')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.tenants.list();
        if (ctx.json) ctx.out.json(list);
        else tenantTable(ctx, list);
      }),
    ['skyport tenants list', 'skyport tenants list --json | jq -r ".[].name"'],
  );

  examples(
    tenants
      .command('show')
      .description('show one tenant and its quotas')
      .argument('<tenant>', 'tenant name or id')
      .action(async (idOrName: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const tenant = await ctx.client.tenants.get(idOrName);
        if (ctx.json) ctx.out.json(tenant);
        else showTenant(ctx, tenant);
      }),
    ['skyport tenants show acme'],
  );

  examples(
    tenants
      .command('create')
      .description('create a tenant (system administrators); without --quota it is unlimited')
      .argument('<name>', 'unique name: lowercase letters, digits, ".", "_", "-"')
      .option('--quota <key=n>', `a limit, repeatable; keys: ${QUOTA_KEYS.join(', ')}`, quotaOption)
      .action(async (name: string, opts: { quota?: QuotaChanges }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const quotas = applyQuotaChanges({}, opts.quota ?? {});
        const tenant = await ctx.client.tenants.create({ name, ...(Object.keys(quotas).length === 0 ? {} : { quotas }) });
        if (ctx.json) ctx.out.json(tenant);
        else {
          ctx.out.note(`created tenant ${tenant.name} (${tenant.id}); add users with: skyport users create <name> --member ${tenant.name}:<role>`);
          showTenant(ctx, tenant);
        }
      }),
    ['skyport tenants create acme', 'skyport tenants create lab --quota instances=10 --quota vcpus=40 --quota memoryMiB=81920 --quota volumeGiB=500'],
  );

  examples(
    tenants
      .command('quotas')
      .description('change quotas of a tenant: the given limits change, the others stay (system administrators)')
      .argument('<tenant>', 'tenant name or id')
      .requiredOption('--quota <key=n>', `a limit, repeatable; n=unlimited removes it; keys: ${QUOTA_KEYS.join(', ')}`, quotaOption)
      .option('--replace', 'set exactly the given limits; every other one becomes unlimited')
      .action(async (idOrName: string, opts: { quota: QuotaChanges; replace?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        // The API replaces all quotas at once; changing one limit must not drop the others.
        const current = opts.replace === true ? {} : (await ctx.client.tenants.get(idOrName)).quotas;
        const tenant = await ctx.client.tenants.setQuotas(idOrName, applyQuotaChanges(current, opts.quota));
        if (ctx.json) ctx.out.json(tenant);
        else ctx.out.line(`quotas of ${tenant.name}: ${formatQuotas(tenant.quotas)}`);
      }),
    ['skyport tenants quotas acme --quota instances=50', 'skyport tenants quotas acme --quota vcpus=unlimited', 'skyport tenants quotas acme --replace --quota instances=5'],
  );

  examples(
    tenants
      .command('usage')
      .description('what a tenant uses against its quotas (your own tenant when none is named)')
      .argument('[tenant]', 'tenant name or id')
      .action(async (idOrName: string | undefined, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const usage = await ctx.client.tenants.usage(idOrName);
        if (ctx.json) return ctx.out.json(usage);
        ctx.out.table(
          [
            { header: 'quota', value: (key: QuotaKey) => key },
            { header: 'used', value: (key) => usage.used[key] },
            { header: 'limit', value: (key) => usage.quotas[key] ?? 'unlimited' },
            { header: 'free', value: (key) => free(usage.quotas[key], usage.used[key]) },
          ],
          QUOTA_KEYS,
          'quotas',
        );
        return undefined;
      }),
    ['skyport tenants usage', 'skyport tenants usage acme --json'],
  );
}

function tenantTable(ctx: CliContext, list: readonly Tenant[]): void {
  ctx.out.table(
    [
      { header: 'id', value: (t: Tenant) => t.id },
      { header: 'name', value: (t) => t.name },
      { header: 'quotas', value: (t) => formatQuotas(t.quotas) },
      { header: 'created', value: (t) => formatTime(t.createdAt) },
    ],
    list,
    'tenants',
  );
}

function showTenant(ctx: CliContext, tenant: Tenant): void {
  ctx.out.details([
    ['id', tenant.id],
    ['name', tenant.name],
    ['created', formatTime(tenant.createdAt)],
    ...QUOTA_KEYS.map((key) => [key, tenant.quotas[key] ?? 'unlimited'] as const),
  ]);
}

/** Over a limit is possible (the limit was lowered after the fact): shown as 0 free. */
function free(limit: number | undefined, used: number): string | number {
  return limit === undefined ? '' : Math.max(0, limit - used);
}

function applyQuotaChanges(quotas: Quotas, changes: QuotaChanges): Quotas {
  const result: Record<string, number> = { ...quotas };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = value;
  }
  return result;
}

/** `--quota key=n`: keys as the API names them (any case), n a whole number or `unlimited`. */
function quotaOption(value: string, previous: QuotaChanges | undefined): QuotaChanges {
  const at = value.indexOf('=');
  const name = at === -1 ? value : value.slice(0, at);
  const key = QUOTA_KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
  if (at === -1 || key === undefined) throw new InvalidArgumentError(`use key=n with key one of ${QUOTA_KEYS.join(', ')}.`);
  const raw = value.slice(at + 1).trim();
  if (raw.toLowerCase() === 'unlimited') return { ...previous, [key]: null };
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`${key} must be a whole number >= 0, or unlimited.`);
  return { ...previous, [key]: Number(raw) };
}
