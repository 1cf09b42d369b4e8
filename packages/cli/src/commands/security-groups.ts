/** `skyport security-groups ...`: firewalls instances are placed in, and their rules. */
import type { Command } from 'commander';
import type { SecurityGroup, SecurityGroupRule } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTags, formatTime } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';
import { collect, keyValue } from '../options.js';
import { resolveGroupArgument } from '../resolve.js';
import { formatRule, portRange, protocol, rulesOf, type RuleFlags } from '../security-rules.js';

interface ChangeFlags extends RuleFlags {
  readonly egress?: boolean;
  readonly provider?: string;
}

export function registerSecurityGroups(program: Command, env: CliEnvironment): void {
  const groups = program.command('security-groups').alias('sg').description('security groups (firewalls) of every provider');
  examples(groups, [
    'skyport security-groups create web --provider sim-east --description "web servers"',
    'skyport security-groups authorize sg-0123456789abcdef0 --protocol tcp --port 443 --cidr 0.0.0.0/0',
    'skyport instances create --provider sim-east --image debian-12 --profile small --security-group web',
  ]);

  examples(
    addInventoryOptions(groups.command('list').description('list security groups')).action(async (opts: InventoryFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.securityGroups.list({ ...inventoryQuery(opts), ...paging }));
      const provider = await ctx.providerNames(page.items);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (g: SecurityGroup) => g.id },
            { header: 'provider', value: (g) => provider(g.providerId) },
            { header: 'name', value: (g) => g.name },
            { header: 'ingress', value: (g) => summarize(g.ingress) },
            { header: 'egress', value: (g) => summarize(g.egress) },
            { header: 'description', value: (g) => g.description },
          ],
          items,
          'security groups',
        ),
      );
    }),
    ['skyport security-groups list --provider sim-east', 'skyport security-groups list --name web --json'],
  );

  examples(
    groups
      .command('show')
      .description('show one security group with its rules')
      .argument('<group>', 'security group id (or name, with --provider)')
      .option('--provider <provider>', 'the provider, to find the group by name')
      .action(async (value: string, opts: { provider?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const group = await ctx.client.securityGroups.get(await resolveGroupArgument(ctx.client, opts.provider, value));
        if (ctx.json) ctx.out.json(group);
        else await showGroup(ctx, group);
      }),
    ['skyport security-groups show sg-0123456789abcdef0', 'skyport security-groups show web --provider sim-east'],
  );

  examples(
    groups
      .command('create')
      .description('create a security group (it allows no inbound traffic until rules are authorized)')
      .argument('<name>', 'group name, unique in the provider')
      .requiredOption('--provider <provider>', 'provider name or id')
      .option('--description <text>', 'what the group is for (default: "security group <name>")')
      .option('--tag <k=v>', 'a tag; repeat for several', keyValue)
      .action(async (name: string, opts: { provider: string; description?: string; tag?: Record<string, string> }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const group = await ctx.client.securityGroups.create({
          providerId: opts.provider,
          name,
          description: opts.description ?? `security group ${name}`,
          ...(opts.tag === undefined ? {} : { tags: opts.tag }),
        });
        if (ctx.json) ctx.out.json(group);
        else ctx.out.line(`created security group ${group.name} (${group.id})`);
      }),
    ['skyport security-groups create web --provider sim-east --description "web servers" --tag env=prod'],
  );

  examples(
    groups
      .command('delete')
      .description('delete a security group (refused while an instance that is not terminated is in it)')
      .argument('<group>', 'security group id (or name, with --provider)')
      .option('--provider <provider>', 'the provider, to find the group by name')
      .action(async (value: string, opts: { provider?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const id = await resolveGroupArgument(ctx.client, opts.provider, value);
        await ctx.client.securityGroups.delete(id);
        if (ctx.json) ctx.out.json({ deleted: id });
        else ctx.out.line(`deleted security group ${id}`);
      }),
    ['skyport security-groups delete sg-0123456789abcdef0'],
  );

  const change = (verb: 'authorize' | 'revoke', description: string, sample: string) => {
    examples(
      groups
        .command(verb)
        .description(description)
        .argument('<group>', 'security group id (or name, with --provider)')
        .requiredOption('--protocol <protocol>', 'tcp, udp, icmp or all', protocol)
        .option('--port <port>', 'a port (80) or a range (8000-8100); for icmp the type (8); not with all', portRange)
        .requiredOption('--cidr <cidr>', 'where the traffic comes from (ingress) or goes to (egress), e.g. 0.0.0.0/0 or ::/0; repeat for several', collect)
        .option('--egress', 'outbound rules instead of inbound ones')
        .option('--provider <provider>', 'the provider, to find the group by name')
        .action(async (value: string, opts: ChangeFlags, cmd: Command) => {
          const ctx = contextOf(cmd, env);
          const rules = rulesOf(opts);
          const id = await resolveGroupArgument(ctx.client, opts.provider, value);
          const direction = opts.egress === true ? 'egress' : 'ingress';
          const group = await ctx.client.securityGroups[verb](id, direction, rules);
          if (ctx.json) return ctx.out.json(group);
          ctx.out.note(`${verb === 'authorize' ? 'authorized' : 'revoked'} ${direction} ${rules.map(formatRule).join(', ')}`);
          await showGroup(ctx, group);
        }),
      sample.split('\n'),
    );
  };
  change(
    'authorize',
    'allow traffic: add a rule per --cidr',
    'skyport security-groups authorize sg-0123456789abcdef0 --protocol tcp --port 80 --cidr 0.0.0.0/0\nskyport security-groups authorize web --provider sim-east --protocol tcp --port 8000-8100 --cidr 10.0.0.0/8 --cidr ::/0\nskyport security-groups authorize sg-0123456789abcdef0 --protocol all --cidr 10.0.0.0/8 --egress',
  );
  change(
    'revoke',
    'stop allowing traffic: remove the rule per --cidr (matched by protocol, ports and CIDR)',
    'skyport security-groups revoke sg-0123456789abcdef0 --protocol tcp --port 80 --cidr 0.0.0.0/0',
  );
}

function summarize(rules: readonly SecurityGroupRule[]): string {
  if (rules.length === 0) return '-';
  const shown = rules.slice(0, 3).map(formatRule).join(', ');
  return rules.length > 3 ? `${shown} (+${rules.length - 3})` : shown;
}

async function showGroup(ctx: CliContext, g: SecurityGroup): Promise<void> {
  const provider = await ctx.providerNames([g]);
  ctx.out.details([
    ['id', g.id],
    ['name', g.name],
    ['provider', provider(g.providerId)],
    ['description', g.description],
    ['ingress', g.ingress.length === 0 ? 'none (no inbound traffic)' : g.ingress.map(formatRule).join(', ')],
    ['egress', g.egress.length === 0 ? 'none' : g.egress.map(formatRule).join(', ')],
    ['tags', formatTags(g.tags)],
    ['created', formatTime(g.createdAt)],
  ]);
}
