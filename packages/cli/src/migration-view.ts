/** How plans, preflights and step histories look in text mode. */
import type { MigrationPlan, MigrationPreflight, MigrationStepEntry } from '@skyport/model';
import type { CliContext } from './context.js';
import { formatTime } from './format.js';
import { vmActivity } from './migration-watch.js';

function mapping(map: Readonly<Record<string, string>> | undefined): string {
  if (map === undefined || Object.keys(map).length === 0) return '';
  return Object.entries(map)
    .map(([from, to]) => `${from} → ${to}`)
    .join(', ');
}

export async function showPlan(ctx: CliContext, plan: MigrationPlan): Promise<void> {
  const provider = await ctx.providerNames([{ providerId: plan.sourceProviderId }, { providerId: plan.targetProviderId }]);
  const o = plan.options;
  ctx.out.details([
    ['id', plan.id],
    ['name', plan.name],
    ['status', `${plan.status} (${plan.progress}%)`],
    ['from', provider(plan.sourceProviderId)],
    ['to', provider(plan.targetProviderId)],
    ['selector', plan.selector === undefined ? undefined : Object.entries(plan.selector.tags).map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(', ')],
    ['profiles', mapping(plan.mappings.hardwareProfiles)],
    ['key pairs', mapping(plan.mappings.keyPairs)],
    ['locations', mapping(plan.mappings.locations)],
    ['security groups', plan.mappings.securityGroupIds?.join(', ')],
    ['disk format', plan.mappings.diskFormat],
    ['proposed profiles', mapping(plan.proposed.hardwareProfiles)],
    ['proposed key pairs', mapping(plan.proposed.keyPairs)],
    ['proposed locations', mapping(plan.proposed.locations)],
    ['proposed groups', plan.proposed.securityGroupIds?.join(', ')],
    ['options', `source ${o.sourceMode}, ${o.sourceAfterFinalize} source on finalize, ${o.maxParallel} at once, ${o.verifyBoot ? `verify boot${o.bootMarker === undefined ? '' : ` ("${o.bootMarker}")`}` : 'no boot check'}, ${o.rollbackOnFailure ? 'roll back on failure' : 'keep failed VMs for retry'}`],
    ['runs', plan.runs.map((r) => `${r.seq} ${r.kind} ${r.status} (${r.vmIds.length} VMs, ${formatTime(r.createdAt)})`).join('; ')],
    ['created', formatTime(plan.createdAt)],
    ['finalized', plan.finalizedAt === undefined ? undefined : formatTime(plan.finalizedAt)],
  ]);
  ctx.out.line();
  showVms(ctx, plan);
}

export function showVms(ctx: CliContext, plan: MigrationPlan): void {
  ctx.out.table(
    [
      { header: 'vm', value: (v: MigrationPlan['vms'][number]) => v.id },
      { header: 'source', value: (v) => v.sourceName },
      { header: 'target', value: (v) => v.targetName },
      { header: 'status', value: (v) => v.status },
      { header: '%', value: (v) => Math.round(v.status === 'cut-over' || v.status === 'finalized' ? 100 : v.progress.percent) },
      { header: 'now', value: (v) => vmActivity(v) },
      { header: 'target instance', value: (v) => v.targetInstanceId },
    ],
    plan.vms,
    'VMs',
  );
}

export function showPreflight(ctx: CliContext, preflight: MigrationPreflight): void {
  ctx.out.line(preflight.ok ? 'preflight: no blockers' : 'preflight: BLOCKED');
  const rows = [
    ...preflight.findings.map((f) => ({ vm: '(plan)', ...f })),
    ...preflight.vms.flatMap((v) => v.findings.map((f) => ({ vm: v.sourceName, ...f }))),
  ];
  if (rows.length > 0) {
    ctx.out.line();
    ctx.out.table(
      [
        { header: 'vm', value: (r: (typeof rows)[number]) => r.vm },
        { header: 'severity', value: (r) => r.severity },
        { header: 'code', value: (r) => r.code },
        { header: 'message', value: (r) => r.message },
      ],
      rows,
      'findings',
    );
  }
  ctx.out.line();
  ctx.out.table(
    [
      { header: 'vm', value: (v: MigrationPreflight['vms'][number]) => v.sourceName },
      { header: 'target name', value: (v) => v.target.name },
      { header: 'profile', value: (v) => (v.target.hardwareProfileName === undefined ? '' : `${v.target.hardwareProfileName} (${v.target.cpus} CPU, ${v.target.memoryMiB} MiB, ${v.target.diskGiB} GiB)`) },
      { header: 'key pair', value: (v) => v.target.keyName },
      { header: 'disk', value: (v) => (v.target.sourceFormat === undefined ? '' : v.target.sourceFormat === v.target.diskFormat ? v.target.diskFormat : `${v.target.sourceFormat} → ${v.target.diskFormat}`) },
      { header: 'groups', value: (v) => v.target.securityGroupIds?.join(', ') },
    ],
    preflight.vms,
    'VMs to check',
  );
}

export function showSteps(ctx: CliContext, steps: readonly MigrationStepEntry[]): void {
  ctx.out.table(
    [
      { header: 'seq', value: (s: MigrationStepEntry) => s.seq },
      { header: 'attempt', value: (s) => s.attempt },
      { header: 'at', value: (s) => formatTime(s.at) },
      { header: 'step', value: (s) => (s.kind === 'compensation' ? `undo ${s.step}` : s.step) },
      { header: 'event', value: (s) => s.event },
      { header: 'detail', value: (s) => (s.error !== undefined ? s.error.message : s.output === undefined ? '' : JSON.stringify(s.output).slice(0, 100)) },
    ],
    steps,
    'steps',
  );
}
