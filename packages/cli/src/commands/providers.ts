/** `skyport providers ...`: the cloud accounts the broker talks to. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ProviderView } from '@skyport/client';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { formatAge, formatTime } from '../format.js';
import { examples } from '../help.js';
import { CliFailure, keyJson, keyValue, UsageError } from '../options.js';
import { SkyportError } from '@skyport/model';

export function registerProviders(program: Command, env: CliEnvironment): void {
  const providers = program.command('providers').description('configured cloud accounts: list, add, test, sync, remove');
  examples(providers, ['skyport providers list', 'skyport providers add lab --driver sim --setting transitionMs=500', 'skyport providers sync lab']);

  examples(
    providers
      .command('list')
      .description('list providers with their status and last inventory sync')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.providers.list();
        if (ctx.json) ctx.out.json(list);
        else providerTable(ctx, list);
      }),
    ['skyport providers list', 'skyport providers list --json | jq -r ".[].name"'],
  );

  examples(
    providers
      .command('show')
      .description('show one provider: settings, capabilities, behaviour, sync status')
      .argument('<provider>', 'provider name or id')
      .action(async (idOrName: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const provider = await ctx.client.providers.get(idOrName);
        if (ctx.json) ctx.out.json(provider);
        else await showProvider(ctx, provider);
      }),
    ['skyport providers show sim-east'],
  );

  examples(
    providers
      .command('add')
      .description('add a provider; the driver checks the configuration and credentials are stored encrypted')
      .argument('<name>', 'unique name (lowercase letters, digits, -), usable wherever an id is')
      .requiredOption('--driver <driver>', 'driver name (see: skyport drivers list)')
      .option('--region <region>', 'region of the account')
      .option('--endpoint <url>', 'API endpoint, for drivers that need one')
      .option('--credential <k=v>', 'a secret configuration field; repeat for several (never shown again)', keyValue)
      .option('--setting <k=json>', 'a driver setting, value as JSON (bare words are strings); repeat for several', keyJson)
      .action(async (name: string, opts: AddFlags, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const provider = await ctx.client.providers.add({
          name,
          driver: opts.driver,
          ...(opts.region === undefined ? {} : { region: opts.region }),
          ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
          ...(opts.credential === undefined ? {} : { credentials: opts.credential }),
          ...(opts.setting === undefined ? {} : { settings: opts.setting }),
        });
        if (ctx.json) ctx.out.json(provider);
        else {
          ctx.out.note(`added provider ${provider.name} (${provider.id}); its inventory is being synced`);
          await showProvider(ctx, provider);
        }
      }),
    [
      'skyport providers add lab --driver sim --region eu-west-1',
      "skyport providers add fast --driver sim --setting latencyMs=1 --setting transitionMs=150",
      "skyport providers add flaky --driver sim --setting 'faults={\"errorRate\":0.2}'",
      'skyport providers add locked --driver sim --setting requiredApiKey=s3cret --credential apiKey=s3cret',
    ],
  );

  examples(
    providers
      .command('test')
      .description('check that the provider answers with its credentials (exit 1 if not)')
      .argument('<provider>', 'provider name or id')
      .action(async (idOrName: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const result = await ctx.client.providers.test(idOrName);
        if (ctx.json) ctx.out.json(result);
        else if (result.ok) ctx.out.line(`ok: ${idOrName} answered in ${Math.round(result.latencyMs)} ms`);
        if (!result.ok) {
          // A failed test is the answer, but scripts need it as an exit status too.
          throw new SkyportError('ProviderUnavailable', `${idOrName} failed the test after ${Math.round(result.latencyMs)} ms: ${result.error?.code ?? 'error'}: ${result.error?.message ?? 'no reason given'}`);
        }
      }),
    ['skyport providers test sim-east'],
  );

  examples(
    providers
      .command('sync')
      .description("refresh the provider's inventory now and wait for it")
      .argument('<provider>', 'provider name or id')
      .action(async (idOrName: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const status = await ctx.client.providers.sync(idOrName);
        if (ctx.json) ctx.out.json(status);
        else ctx.out.line(`synced ${idOrName} at ${formatTime(status.lastSyncAt)}; next poll in ${Math.round(status.nextPollInMs / 1000)} s`);
      }),
    ['skyport providers sync sim-east'],
  );

  examples(
    providers
      .command('remove')
      .description('forget a provider and its inventory (resources in the cloud are left untouched)')
      .argument('<provider>', 'provider name or id')
      .option('-y, --yes', 'do not ask for confirmation')
      .action(async (idOrName: string, opts: { yes?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const provider = await ctx.client.providers.get(idOrName);
        if (opts.yes !== true) await confirm(`remove provider ${provider.name} (${provider.id}) and forget its inventory?`);
        await ctx.client.providers.remove(provider.id);
        if (ctx.json) ctx.out.json({ removed: provider.id });
        else ctx.out.line(`removed provider ${provider.name} (${provider.id}); resources in the cloud were left untouched`);
      }),
    ['skyport providers remove lab --yes'],
  );
}

interface AddFlags {
  readonly driver: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly credential?: Record<string, string>;
  readonly setting?: Record<string, unknown>;
}

function providerTable(ctx: CliContext, list: readonly ProviderView[]): void {
  ctx.out.table(
    [
      { header: 'id', value: (p) => p.id },
      { header: 'name', value: (p) => p.name },
      { header: 'driver', value: (p) => p.driver },
      { header: 'region', value: (p) => p.region },
      { header: 'status', value: (p) => p.status },
      { header: 'last sync', value: (p) => formatAge(p.lastSyncAt) },
      { header: 'note', value: (p) => p.statusReason ?? p.lastSyncError },
    ],
    list,
    'providers',
  );
}

async function showProvider(ctx: CliContext, p: ProviderView): Promise<void> {
  const sync = await ctx.client.providers.syncStatus(p.id).catch(() => undefined);
  const features = Object.entries(p.capabilities)
    .filter(([, value]) => value !== undefined)
    .map(([group]) => group);
  const instanceFlags = Object.entries(p.capabilities.instances)
    .filter(([, on]) => on)
    .map(([flag]) => flag);
  const behaviour = Object.entries(p.behaviour)
    .filter(([, on]) => on)
    .map(([flag]) => flag);
  ctx.out.details([
    ['id', p.id],
    ['name', p.name],
    ['driver', p.driver],
    ['region', p.region],
    ['endpoint', p.endpoint],
    ['status', p.status],
    ['reason', p.statusReason],
    ['created', formatTime(p.createdAt)],
    ['last sync', p.lastSyncAt === undefined ? 'never' : `${formatTime(p.lastSyncAt)} (${formatAge(p.lastSyncAt)})`],
    ['sync error', p.lastSyncError],
    ['next poll', sync === undefined ? undefined : `in ${Math.round(sync.nextPollInMs / 1000)} s (interval ${Math.round(sync.intervalMs / 1000)} s)`],
    ['settings', Object.keys(p.settings).length === 0 ? undefined : JSON.stringify(p.settings)],
    ['features', features.join(', ')],
    ['instances', instanceFlags.join(', ')],
    ['behaviour', behaviour.length === 0 ? 'none of createdStopped, stopDeletes, stopPreservesDisk' : behaviour.join(', ')],
  ]);
}

/** Asks on a terminal; refuses without one, since nobody could answer. */
async function confirm(question: string): Promise<void> {
  if (process.stdin.isTTY !== true) throw new UsageError(`${question} add --yes to confirm (no terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure('not confirmed; nothing was removed');
  } finally {
    rl.close();
  }
}
