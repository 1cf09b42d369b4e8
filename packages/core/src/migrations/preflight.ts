/** The plan-level preflight: providers and capabilities, each VM's target, names and quotas. */
import type { MigrationPreflight, MigrationVmPreflight, PreflightFinding } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { MigrationPlanRecord, MigrationVmRecord } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import { quotaUsage } from '../services/quotas.js';
import { InventoryLookup } from './inventory-lookup.js';
import { specOf } from './plan-spec.js';
import { resolveTarget } from './resolve-target.js';

/** Findings about the providers themselves; blockers here make every VM's checks moot. */
export function providerFindings(source: Connection, target: Connection, sourceMode: 'stop' | 'snapshot'): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  if (source.record.id === target.record.id) {
    findings.push({ severity: 'blocker', code: 'same-provider', message: `the source and the target are the same provider (${source.record.name})` });
  }
  for (const conn of [source, target]) {
    if (conn.record.status === 'unavailable') {
      findings.push({ severity: 'blocker', code: 'provider-unavailable', message: `provider ${conn.record.name} is unavailable: ${conn.record.statusReason ?? 'no reason given'}` });
    }
  }
  if (source.factory.capabilities.diskExport === undefined) {
    findings.push({ severity: 'blocker', code: 'no-disk-export', message: `provider ${source.record.name} (driver ${source.record.driver}) cannot hand out instance disks (capability diskExport)` });
  }
  if (target.factory.capabilities.imageImport === undefined) {
    findings.push({ severity: 'blocker', code: 'no-image-import', message: `provider ${target.record.name} (driver ${target.record.driver}) cannot import disk images (capability imageImport)` });
  }
  if (sourceMode === 'snapshot' && source.factory.capabilities.imageFromInstance === undefined) {
    findings.push({ severity: 'blocker', code: 'snapshot-unsupported', message: `provider ${source.record.name} cannot make images of instances; use options.sourceMode "stop"`, field: 'options.sourceMode' });
  }
  if (sourceMode === 'stop' && !source.factory.capabilities.instances.stopStart) {
    findings.push({ severity: 'blocker', code: 'source-state', message: `provider ${source.record.name} cannot stop instances; use options.sourceMode "snapshot"`, field: 'options.sourceMode' });
  }
  return findings;
}

/** VMs that still have to move. */
export function vmsToCheck(vms: readonly MigrationVmRecord[]): MigrationVmRecord[] {
  return vms.filter((v) => v.status !== 'cut-over' && v.status !== 'finalized');
}

export async function preflightPlan(ctx: BrokerContext, plan: MigrationPlanRecord, vms: readonly MigrationVmRecord[], canConvert: boolean): Promise<MigrationPreflight> {
  const spec = specOf(plan);
  const source = await ctx.connections.get(plan.sourceProviderId);
  const target = await ctx.connections.get(plan.targetProviderId);
  const lookup = new InventoryLookup(ctx.store);
  const findings = providerFindings(source, target, spec.options.sourceMode);
  const results: MigrationVmPreflight[] = [];
  const need = { instances: 0, vcpus: 0, memoryMiB: 0 };
  const names = new Map<string, number>();
  for (const vm of vmsToCheck(vms)) {
    const resolved = await resolveTarget({ lookup, spec, source, target, canConvert }, vm);
    results.push({ vmId: vm.id, sourceInstanceId: vm.sourceInstanceId, sourceName: vm.sourceName, target: resolved.spec, findings: resolved.findings });
    need.instances += 1;
    need.vcpus += resolved.spec.cpus ?? 0;
    need.memoryMiB += resolved.spec.memoryMiB ?? 0;
    names.set(resolved.spec.name, (names.get(resolved.spec.name) ?? 0) + 1);
  }
  for (const [name, count] of names) {
    if (count > 1) findings.push({ severity: 'warning', code: 'name-clash', message: `${count} VMs of this plan get the target name ${name}` });
  }
  const tenant = await ctx.store.tenants.get(plan.tenantId);
  if (tenant !== undefined && need.instances > 0) {
    // Sources stay until finalize, so they still count: the target needs room beside them.
    const usage = await quotaUsage(ctx, tenant);
    for (const key of ['instances', 'vcpus', 'memoryMiB'] as const) {
      const limit = tenant.quotas[key];
      if (limit === undefined) continue;
      const after = usage.used[key] + need[key];
      if (after > limit) {
        findings.push({
          severity: 'blocker',
          code: 'target-quota',
          message: `quota ${key} of tenant ${tenant.name} would be exceeded by ${after - limit}: ${usage.used[key]} in use + ${need[key]} for the targets > ${limit} allowed (sources count until the plan is finalized)`,
        });
      }
    }
  }
  const blocked = findings.some((f) => f.severity === 'blocker') || results.some((r) => r.findings.some((f) => f.severity === 'blocker'));
  return { planId: plan.id, ok: !blocked, checkedAt: ctx.clock.now().toISOString(), findings, vms: results };
}
