/** `skyport migrate plan ...`: migration plans, from creation to finalize, with progress bars. */
import { Option, type Command } from 'commander';
import type { MigrationOptions, MigrationPlan, MigrationVmOverride } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { groupIds, locationMap, profileMap, resolveInstances, resolvePlan } from '../migration-args.js';
import { showPlan, showPreflight, showSteps, showVms } from '../migration-view.js';
import { watchPlan } from '../migration-watch.js';
import { CliFailure, collect, integer, keyValue, tagFilter } from '../options.js';

interface CreateFlags {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  readonly instance?: string[];
  readonly selector?: Record<string, string | null>;
  readonly mapProfile?: Record<string, string>;
  readonly mapKey?: Record<string, string>;
  readonly mapLocation?: Record<string, string>;
  readonly securityGroup?: string[];
  readonly diskFormat?: MigrationPlan['mappings']['diskFormat'];
  readonly targetName?: Record<string, string>;
  readonly snapshot?: boolean;
  readonly deleteSource?: boolean;
  readonly verifyBoot: boolean;
  readonly bootMarker?: string;
  readonly bootTimeout?: number;
  readonly parallel?: number;
  readonly rollbackOnFailure: boolean;
  readonly run?: boolean;
}

/** Follows the plan (unless --no-wait), shows where its VMs ended, and fails when any failed. */
async function follow(ctx: CliContext, planId: string, wait: boolean): Promise<void> {
  if (!wait) {
    const plan = await ctx.client.migrations.get(planId);
    if (ctx.json) ctx.out.json(plan);
    else ctx.out.note(`started; follow with: skyport migrate plan status ${planId} --watch`);
    return;
  }
  const plan = await watchPlan(ctx.client, ctx.out, planId);
  if (ctx.json) ctx.out.json(plan);
  else {
    ctx.out.line(`plan ${plan.name} (${plan.id}) is ${plan.status}`);
    showVms(ctx, plan);
  }
  const failed = plan.vms.filter((v) => v.status === 'failed' || (v.status === 'rolled-back' && v.error !== undefined));
  if (failed.length > 0) {
    throw new CliFailure(
      `${failed.length} VM(s) failed: ${failed.map((v) => `${v.sourceName} at ${v.step ?? '?'}: ${v.error?.message ?? v.status}`).join('; ')}. Fix the cause, then: skyport migrate plan retry ${plan.id}`,
    );
  }
}

async function createPlan(ctx: CliContext, flags: CreateFlags): Promise<MigrationPlan> {
  const client = ctx.client;
  const instanceIds = await resolveInstances(client, flags.source, flags.instance ?? []);
  const overrides: Record<string, MigrationVmOverride> = {};
  for (const [instance, targetName] of Object.entries(flags.targetName ?? {})) {
    const [id] = await resolveInstances(client, flags.source, [instance]);
    overrides[id!] = { targetName };
  }
  const options: Partial<MigrationOptions> = {
    ...(flags.snapshot === true ? { sourceMode: 'snapshot' } : {}),
    ...(flags.deleteSource === true ? { sourceAfterFinalize: 'delete' } : {}),
    verifyBoot: flags.verifyBoot,
    ...(flags.bootMarker === undefined ? {} : { bootMarker: flags.bootMarker }),
    ...(flags.bootTimeout === undefined ? {} : { bootTimeoutSeconds: flags.bootTimeout }),
    ...(flags.parallel === undefined ? {} : { maxParallel: flags.parallel }),
    rollbackOnFailure: flags.rollbackOnFailure,
  };
  return client.migrations.create({
    name: flags.name,
    sourceProviderId: flags.source,
    targetProviderId: flags.target,
    ...(instanceIds.length === 0 ? {} : { instanceIds }),
    ...(flags.selector === undefined ? {} : { selector: { tags: flags.selector } }),
    mappings: {
      ...(flags.mapProfile === undefined ? {} : { hardwareProfiles: await profileMap(client, flags.source, flags.mapProfile) }),
      ...(flags.mapKey === undefined ? {} : { keyPairs: flags.mapKey }),
      ...(flags.mapLocation === undefined ? {} : { locations: await locationMap(client, flags.source, flags.target, flags.mapLocation) }),
      ...(flags.securityGroup === undefined ? {} : { securityGroupIds: await groupIds(client, flags.target, flags.securityGroup) }),
      ...(flags.diskFormat === undefined ? {} : { diskFormat: flags.diskFormat }),
    },
    ...(Object.keys(overrides).length === 0 ? {} : { overrides }),
    options,
  });
}

export function registerMigrate(program: Command, env: CliEnvironment): void {
  const migrate = program.command('migrate').description('move instances from one provider to another with a plan that survives crashes');
  const plan = migrate.command('plan').description('migration plans: create, check, run, watch, cancel, retry, roll back, finalize');
  examples(plan, [
    'skyport migrate plan create --name shop --source sim-east --target sim-west --selector app=shop --map-profile medium=mem',
    'skyport migrate plan preflight shop',
    'skyport migrate plan run shop',
    'skyport migrate plan status shop --watch',
    'skyport migrate plan finalize shop',
  ]);
  const ctxOf = (cmd: Command) => contextOf(cmd, env);

  examples(
    plan
      .command('create')
      .description('create a plan (nothing moves yet); mappings left out are proposed by the broker')
      .requiredOption('--name <name>', 'the plan name')
      .requiredOption('--source <provider>', 'provider the instances leave')
      .requiredOption('--target <provider>', 'provider they move to')
      .option('--instance <instance>', 'a source instance (id or name); repeat for several', collect)
      .option('--selector <k=v>', 'every source instance with this tag (k alone: any value); repeat to narrow', tagFilter)
      .option('--map-profile <src=dst>', 'source hardware profile → target profile (names or ids); repeatable', keyValue)
      .option('--map-key <src=dst>', 'source key pair name → target key pair name; repeatable', keyValue)
      .option('--map-location <src=dst>', 'source zone → target zone (names or ids); repeatable', keyValue)
      .option('--security-group <group>', 'a target security group every instance joins (name or id); repeatable', collect)
      .addOption(new Option('--disk-format <format>', 'the disk format the target imports').choices(['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx']))
      .option('--target-name <instance=name>', 'the target name of one source instance; repeatable', keyValue)
      .option('--snapshot', 'copy an image of each running source instead of stopping it first (stopped at cut-over)')
      .option('--delete-source', 'finalize deletes the sources (default: keeps them, stopped)')
      .option('--no-verify-boot', 'cut over without waiting for the target to boot')
      .option('--boot-marker <text>', 'text the guest prints on its console once booted (providers with console output)')
      .option('--boot-timeout <seconds>', 'how long to wait for the boot (default 300)', integer(10, 3600))
      .option('--parallel <n>', 'VMs of this plan moving at once (default 2)', integer(1, 64))
      .option('--no-rollback-on-failure', 'leave a failed VM as it is for retry instead of undoing it at once')
      .option('--run', 'run the plan right away (after a preflight without blockers) and watch it')
      .action(async (flags: CreateFlags, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const created = await createPlan(ctx, flags);
        if (flags.run === true) {
          await ctx.client.migrations.run(created.id);
          return follow(ctx, created.id, true);
        }
        if (ctx.json) return ctx.out.json(created);
        ctx.out.note(`created plan ${created.name} (${created.id}); check it with: skyport migrate plan preflight ${created.id}`);
        await showPlan(ctx, created);
      }),
    [
      'skyport migrate plan create --name web --source sim-east --target sim-west --instance web-1 --instance web-2',
      'skyport migrate plan create --name shop --source local --target sim-west --selector app=shop --map-key deploy=deploy --delete-source --run',
    ],
  );

  plan
    .command('list')
    .description('list migration plans, newest first')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const plans = await ctx.client.migrations.list();
      if (ctx.json) return ctx.out.json(plans);
      const provider = await ctx.providerNames(plans.flatMap((p) => [{ providerId: p.sourceProviderId }, { providerId: p.targetProviderId }]));
      ctx.out.table(
        [
          { header: 'id', value: (p: MigrationPlan) => p.id },
          { header: 'name', value: (p) => p.name },
          { header: 'from', value: (p) => provider(p.sourceProviderId) },
          { header: 'to', value: (p) => provider(p.targetProviderId) },
          { header: 'vms', value: (p) => p.vms.length },
          { header: 'status', value: (p) => p.status },
          { header: '%', value: (p) => p.progress },
        ],
        plans,
        'migration plans',
      );
    });

  examples(
    plan
      .command('show')
      .description('show a plan: mappings, proposals, options, runs and VMs')
      .argument('<plan>', 'plan id or name')
      .action(async (value: string, _opts: unknown, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const shown = await ctx.client.migrations.get(await resolvePlan(ctx.client, value));
        if (ctx.json) return ctx.out.json(shown);
        await showPlan(ctx, shown);
      }),
    ['skyport migrate plan show shop', 'skyport migrate plan show mig-0123456789abcdef0 --json'],
  );

  examples(
    plan
      .command('preflight')
      .description('check every VM now: blockers stop a run, warnings are for you to read (changes nothing)')
      .argument('<plan>', 'plan id or name')
      .action(async (value: string, _opts: unknown, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const result = await ctx.client.migrations.preflight(await resolvePlan(ctx.client, value));
        if (ctx.json) ctx.out.json(result);
        else showPreflight(ctx, result);
        if (!result.ok) throw new CliFailure(`plan ${value} has blockers; fix them (or change the plan) before running it`);
      }),
    ['skyport migrate plan preflight shop'],
  );

  examples(
    plan
      .command('status')
      .description("where the plan's VMs are; --watch follows them with progress bars until none moves")
      .argument('<plan>', 'plan id or name')
      .option('--watch', 'follow the plan until no VM of it moves')
      .action(async (value: string, opts: { watch?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const id = await resolvePlan(ctx.client, value);
        if (opts.watch === true) return follow(ctx, id, true);
        const current = await ctx.client.migrations.get(id);
        if (ctx.json) return ctx.out.json(current);
        ctx.out.line(`plan ${current.name} (${current.id}) is ${current.status} (${current.progress}%)`);
        showVms(ctx, current);
      }),
    ['skyport migrate plan status shop', 'skyport migrate plan status shop --watch'],
  );

  const action = (name: 'run' | 'pause' | 'resume' | 'cancel' | 'retry' | 'rollback' | 'finalize', description: string, sample: string, selection: boolean) => {
    const command = plan
      .command(name)
      .description(description)
      .argument('<plan>', 'plan id or name')
      .option('--no-wait', 'return at once instead of watching the plan');
    if (selection) command.option('--vm <vm>', 'only this VM (VM id or source instance id); repeatable', collect);
    examples(
      command.action(async (value: string, opts: { wait: boolean; vm?: string[] }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const id = await resolvePlan(ctx.client, value);
        const chosen = opts.vm === undefined ? undefined : { vmIds: opts.vm };
        if (name === 'retry' || name === 'rollback') await ctx.client.migrations[name](id, chosen);
        else await ctx.client.migrations[name](id);
        await follow(ctx, id, opts.wait);
      }),
      sample.split('\n'),
    );
  };
  action('run', 'start the plan: every VM, within the concurrency limits, with progress bars', 'skyport migrate plan run shop\nskyport migrate plan run shop --no-wait', false);
  action('pause', 'hold the VMs not started; moving ones stop after their current step (nothing is undone)', 'skyport migrate plan pause shop', false);
  action('resume', 'go on with the paused VMs from where they stopped', 'skyport migrate plan resume shop', false);
  action('cancel', 'stop the VMs still moving or paused; each is rolled back (source restarted); cut-over VMs stay', 'skyport migrate plan cancel shop', false);
  action('retry', 'run the failed and cancelled VMs again (only those)', 'skyport migrate plan retry shop\nskyport migrate plan retry shop --vm mvm-0123456789abcdef0', true);
  action('rollback', 'undo cut-over or failed VMs: target instance and image removed, source restarted', 'skyport migrate plan rollback shop --vm mvm-0123456789abcdef0', true);
  action('finalize', "end the plan: delete or keep each cut-over source, as the plan says", 'skyport migrate plan finalize shop', false);

  plan
    .command('delete')
    .description('forget a plan that is not moving (what it migrated stays)')
    .argument('<plan>', 'plan id or name')
    .action(async (value: string, _opts: unknown, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const id = await resolvePlan(ctx.client, value);
      await ctx.client.migrations.delete(id);
      if (ctx.json) ctx.out.json({ deleted: id });
      else ctx.out.line(`deleted plan ${id}`);
    });

  examples(
    plan
      .command('steps')
      .description("a VM's step history: what a restarted broker replays")
      .argument('<plan>', 'plan id or name')
      .argument('<vm>', 'VM id (or its source instance id or name)')
      .action(async (value: string, vm: string, _opts: unknown, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const id = await resolvePlan(ctx.client, value);
        const current = await ctx.client.migrations.get(id);
        const found = current.vms.find((v) => v.id === vm || v.sourceInstanceId === vm || v.sourceName === vm);
        if (found === undefined) throw new CliFailure(`plan ${value} has no VM "${vm}"; its VMs: ${current.vms.map((v) => `${v.sourceName} (${v.id})`).join(', ')}`);
        const steps = await ctx.client.migrations.steps(id, found.id);
        if (ctx.json) ctx.out.json(steps);
        else showSteps(ctx, steps);
      }),
    ['skyport migrate plan steps shop web-1'],
  );
}
