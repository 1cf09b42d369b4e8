/** `skyport instances ...`: list, inspect, create, act on, wait for, read the console of. */
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { INSTANCE_STATES, isInstanceState, isSkyportError, type Instance, type InstanceState, type Operation } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatAddresses, formatTags, formatTime } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';
import { addWaitOption, finishOperations, type WaitFlag } from '../long-action.js';
import { CliFailure, collect, integer, keyValue } from '../options.js';
import { resolveImage, resolveLocation, resolveSecurityGroup } from '../resolve.js';

/** `--state running,stopped` (repeatable), checked here so a typo is a usage error. */
function states(value: string, previous: InstanceState[] | undefined): InstanceState[] {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of list) {
    if (!isInstanceState(s)) throw new InvalidArgumentError(`"${s}" is not an instance state; allowed: ${INSTANCE_STATES.join(', ')}.`);
  }
  return [...(previous ?? []), ...(list as InstanceState[])];
}

export function registerInstances(program: Command, env: CliEnvironment): void {
  const instances = program.command('instances').description('virtual machines of every provider');
  examples(instances, [
    'skyport instances create --provider sim-east --image debian-12 --profile small --name web-1',
    'skyport instances list --state running',
    'skyport instances stop i-0123456789abcdef0',
  ]);

  examples(
    addInventoryOptions(instances.command('list').description('list instances'))
      .option('--state <states>', `only in these states, comma list (${INSTANCE_STATES.join(', ')})`, states)
      .action(async (opts: InventoryFlags & { state?: InstanceState[] }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const filter = { ...inventoryQuery(opts), ...(opts.state === undefined ? {} : { state: opts.state }) };
        const page = await fetchPages(opts, (paging) => ctx.client.instances.list({ ...filter, ...paging }));
        const provider = await ctx.providerNames(page.items);
        printPage(ctx, page, (items) =>
          ctx.out.table(
            [
              { header: 'id', value: (i) => i.id },
              { header: 'name', value: (i) => i.name },
              { header: 'provider', value: (i) => provider(i.providerId) },
              { header: 'state', value: (i) => i.state },
              { header: 'cpus', value: (i) => i.cpus },
              { header: 'memory MiB', value: (i) => i.memoryMiB },
              { header: 'disk GiB', value: (i) => i.diskGiB },
              { header: 'address', value: (i) => formatAddresses(i.addresses) },
              { header: 'created', value: (i) => formatTime(i.createdAt) },
            ],
            items,
            'instances',
          ),
        );
      }),
    [
      'skyport instances list',
      'skyport instances list --provider sim-east --state running,pending',
      'skyport instances list --tag env=prod --name "web-*" --all --json',
    ],
  );

  examples(
    instances
      .command('show')
      .description('show one instance')
      .argument('<id>', 'instance id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const instance = await ctx.client.instances.get(id);
        if (ctx.json) ctx.out.json(instance);
        else await showInstance(ctx, instance);
      }),
    ['skyport instances show i-0123456789abcdef0'],
  );

  examples(
    addWaitOption(
      instances
        .command('create')
        .description('create an instance and wait until it runs (profile overrides must fit the profile; see: skyport profiles list)')
        .requiredOption('--provider <provider>', 'provider name or id')
        .requiredOption('--image <image>', 'image id or name (see: skyport images list)')
        .requiredOption('--profile <profile>', 'hardware profile name or id (see: skyport profiles list)')
        .option('--name <name>', 'instance name (default: a generated one)')
        .option('--cpus <n>', 'CPUs, inside the profile', integer(1))
        .option('--memory <MiB>', 'memory in MiB, inside the profile', integer(1))
        .option('--disk <GiB>', 'root disk in GiB, inside the profile', integer(1))
        .option('--zone <zone>', 'zone name or location id (see: skyport locations list)')
        .option('--key <name>', 'name of a key pair of the provider to install')
        .option('--security-group <group>', "security group id or name; repeat for several (default: the provider's default group)", collect)
        .option('--user-data-file <file>', 'file passed to the guest at first boot (cloud-init)')
        .option('--tag <k=v>', 'a tag; repeat for several', keyValue)
        .option('--idempotency-key <key>', 'makes a retried create safe: the same key and request start one instance'),
    ).action(async (opts: CreateFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const [imageId, locationId, securityGroupIds] = await Promise.all([
        resolveImage(ctx.client, opts.provider, opts.image),
        opts.zone === undefined ? undefined : resolveLocation(ctx.client, opts.provider, opts.zone),
        opts.securityGroup === undefined ? undefined : Promise.all(opts.securityGroup.map((g) => resolveSecurityGroup(ctx.client, opts.provider, g))),
      ]);
      const op = await ctx.client.instances.create(
        {
          providerId: opts.provider,
          name: opts.name ?? defaultName(opts.idempotencyKey),
          imageId,
          hardwareProfileId: opts.profile,
          ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }),
          ...(opts.memory === undefined ? {} : { memoryMiB: opts.memory }),
          ...(opts.disk === undefined ? {} : { diskGiB: opts.disk }),
          ...(locationId === undefined ? {} : { locationId }),
          ...(opts.key === undefined ? {} : { keyName: opts.key }),
          ...(securityGroupIds === undefined ? {} : { securityGroupIds }),
          ...(opts.userDataFile === undefined ? {} : { userData: readText(opts.userDataFile) }),
          ...(opts.tag === undefined ? {} : { tags: opts.tag }),
        },
        opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey },
      );
      await finishOperations(ctx, [op], { wait: opts.wait !== false, show: (instance) => showInstance(ctx, instance as Instance) });
    }),
    [
      'skyport instances create --provider sim-east --image debian-12 --profile small',
      'skyport instances create --provider sim-east --image ubuntu-24.04 --profile flex --cpus 4 --memory 8192 --name build-1 --tag env=ci',
      'skyport instances create --provider sim-east --image debian-12 --profile small --key laptop --user-data-file cloud-init.yaml --no-wait',
      'skyport instances create --provider sim-east --image debian-12 --profile small --security-group web --security-group sg-0123456789abcdef0',
    ],
  );

  const action = (name: 'start' | 'stop' | 'reboot' | 'destroy', description: string, start: (ctx: CliContext, id: string, opts: ActionFlags) => Promise<Operation>) => {
    const command = addWaitOption(instances.command(name).description(description).argument('<id...>', 'instance ids'));
    if (name === 'stop') command.option('--force', 'power off at once instead of asking the guest to shut down');
    examples(command, [`skyport instances ${name} i-0123456789abcdef0`, `skyport instances ${name} i-0123456789abcdef0 i-0fedcba9876543210 --no-wait`]);
    command.action(async (ids: string[], opts: ActionFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      await startEach(ctx, ids, (id) => start(ctx, id, opts), opts);
    });
  };
  action('start', 'start stopped instances and wait until they run', (ctx, id) => ctx.client.instances.start(id));
  action('stop', 'stop instances and wait until they are stopped', (ctx, id, opts) =>
    ctx.client.instances.stop(id, opts.force === undefined ? {} : { force: opts.force }),
  );
  action('reboot', 'reboot instances and wait until they run again', (ctx, id) => ctx.client.instances.reboot(id));
  action('destroy', 'destroy instances and wait until they are terminated', (ctx, id) => ctx.client.instances.destroy(id));

  examples(
    instances
      .command('wait')
      .description('wait until an instance is in one of the given states (default: any stable state)')
      .argument('<id>', 'instance id')
      .option('--state <states>', 'comma list of states to wait for', states)
      .option('--timeout <seconds>', 'give up after this long (exit 1)', integer(0), 300)
      .action(async (id: string, opts: { state?: InstanceState[]; timeout: number }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const instance = await waitForInstance(ctx, id, opts.state, opts.timeout);
        if (ctx.json) ctx.out.json(instance);
        else ctx.out.line(`instance ${instance.id} (${instance.name}) is ${instance.state}`);
      }),
    ['skyport instances wait i-0123456789abcdef0 --state running', 'skyport instances wait i-0123456789abcdef0 --state stopped,error --timeout 600'],
  );

  examples(
    instances
      .command('console')
      .description("print an instance's serial console output")
      .argument('<id>', 'instance id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const console = await ctx.client.instances.console(id);
        if (ctx.json) ctx.out.json(console);
        else ctx.out.stdout.write(console.output.endsWith('\n') || console.output === '' ? console.output : `${console.output}\n`);
      }),
    ['skyport instances console i-0123456789abcdef0 | tail'],
  );

  examples(
    instances
      .command('counts')
      .description('count instances per state')
      .option('--provider <provider>', 'only this provider (name or id)')
      .action(async (opts: { provider?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const counts = await ctx.client.instances.counts(opts.provider);
        if (ctx.json) return ctx.out.json(counts);
        const rows = Object.entries(counts).map(([state, count]) => ({ state, count }));
        ctx.out.table(
          [
            { header: 'state', value: (r) => r.state },
            { header: 'count', value: (r) => r.count },
          ],
          rows,
          'states',
        );
      }),
    ['skyport instances counts', 'skyport instances counts --provider sim-east --json'],
  );
}

interface CreateFlags extends WaitFlag {
  readonly provider: string;
  readonly image: string;
  readonly profile: string;
  readonly name?: string;
  readonly cpus?: number;
  readonly memory?: number;
  readonly disk?: number;
  readonly zone?: string;
  readonly key?: string;
  readonly securityGroup?: string[];
  readonly userDataFile?: string;
  readonly tag?: Record<string, string>;
  readonly idempotencyKey?: string;
}

interface ActionFlags extends WaitFlag {
  readonly force?: boolean;
}

/**
 * Starts the action on every id; ids the broker refuses (wrong state, unknown) are reported
 * and the others still followed, so one bad id does not hide what happened to the rest.
 */
async function startEach(ctx: CliContext, ids: readonly string[], start: (id: string) => Promise<Operation>, opts: WaitFlag): Promise<void> {
  const results = await Promise.allSettled(ids.map((id) => start(id)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (refused.length === 0) return finishOperations(ctx, started, { wait: opts.wait !== false });
  if (started.length === 0 && refused.length === 1) throw refused[0];
  for (const error of refused) ctx.out.note(`skyport: ${error instanceof Error ? error.message : String(error)}`);
  if (started.length > 0) await finishOperations(ctx, started, { wait: opts.wait !== false });
  throw new CliFailure(`${refused.length} of ${ids.length} instances refused the action`);
}

/** The API caps one wait at 600 s; longer waits are made of several. */
async function waitForInstance(ctx: CliContext, id: string, wanted: readonly InstanceState[] | undefined, timeoutSeconds: number): Promise<Instance> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    try {
      return await ctx.client.instances.waitFor(id, wanted, { timeoutSeconds: Math.min(left, 600) });
    } catch (error) {
      if (!(isSkyportError(error) && error.code === 'Timeout' && Date.now() < deadline - 1000)) throw error;
    }
  }
}

/**
 * A generated name. With an idempotency key it is derived from the key: a retry must send
 * the very same request, or the broker refuses it as a different one under the same key.
 */
function defaultName(idempotencyKey: string | undefined): string {
  const suffix = idempotencyKey === undefined ? randomBytes(3).toString('hex') : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 6);
  return `vm-${suffix}`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function showInstance(ctx: CliContext, i: Instance): Promise<void> {
  const provider = await ctx.providerNames([i]);
  ctx.out.details([
    ['id', i.id],
    ['name', i.name],
    ['provider', provider(i.providerId)],
    ['state', i.state === i.rawState ? i.state : `${i.state} (provider: ${i.rawState})`],
    ['reason', i.stateReason],
    ['image', i.imageId],
    ['profile', i.hardwareProfileId],
    ['cpus', i.cpus],
    ['memory MiB', i.memoryMiB],
    ['disk GiB', i.diskGiB],
    ['location', i.locationId],
    ['key', i.keyName],
    ['security groups', i.securityGroupIds?.join(', ')],
    ['addresses', i.addresses.map((a) => `${a.address} (${a.kind})`).join(', ')],
    ['tags', formatTags(i.tags)],
    ['created', formatTime(i.createdAt)],
  ]);
}
