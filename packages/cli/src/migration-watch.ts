/**
 * Follows a migration plan until no VM of it moves: a bar per VM on a terminal (percent, step,
 * bytes, ETA), one line per change otherwise. Polls the plan (like operation progress: works
 * through any proxy and cannot miss what happened before it started); progress goes to stderr.
 */
import cliProgress from 'cli-progress';
import type { SkyportClient } from '@skyport/client';
import type { MigrationPlan, MigrationVm } from '@skyport/model';
import type { Output } from './output.js';
import { formatBytes } from './transfer-bar.js';

const POLL_MS = 500;

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 60) return `ETA ${seconds}s`;
  return `ETA ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** `transfer 120 MiB/400 MiB 35 MiB/s ETA 12s`, or the step's message when no bytes move. */
export function vmActivity(vm: MigrationVm): string {
  const p = vm.progress;
  if (vm.status !== 'running' && vm.status !== 'rolling-back' && vm.status !== 'cancelling' && vm.status !== 'finalizing') {
    return vm.error === undefined ? vm.status : `${vm.status}: ${vm.error.message}`;
  }
  const bytes = p.bytesTotal !== undefined && p.bytesDone !== undefined ? ` ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}` : '';
  const rate = p.bytesPerSecond === undefined ? '' : ` ${formatBytes(p.bytesPerSecond)}/s`;
  const what = p.message ?? vm.step ?? '';
  return [`${vm.status === 'running' ? '' : `${vm.status} `}${vm.step ?? ''}${bytes}${rate}`.trim(), what !== vm.step ? what : '', eta(p.etaSeconds)].filter((s) => s !== '').join(' · ');
}

export function vmLine(vm: MigrationVm): string {
  return `${vm.sourceName} ${Math.round(vm.progress.percent)}% ${vmActivity(vm)}`;
}

interface Display {
  update(plan: MigrationPlan): void;
  stop(): void;
}

function lineDisplay(out: Output): Display {
  const last = new Map<string, string>();
  return {
    update(plan) {
      for (const vm of plan.vms) {
        // Percent alone moves too often for a log; the step and status are what matter.
        const key = `${vm.status} ${vm.step ?? ''} ${Math.floor(vm.progress.percent / 25)}`;
        if (last.get(vm.id) === key) continue;
        last.set(vm.id, key);
        out.note(vmLine(vm));
      }
    },
    stop() {},
  };
}

function barDisplay(out: Output, plan: MigrationPlan): Display {
  const multi = new cliProgress.MultiBar(
    { format: '{name} [{bar}] {percentage}% {activity}', stream: out.stderr, hideCursor: true, clearOnComplete: false, barsize: 25 },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(...plan.vms.map((v) => v.sourceName.length));
  const bars = new Map(plan.vms.map((vm) => [vm.id, multi.create(100, Math.round(vm.progress.percent), { name: vm.sourceName.padEnd(width), activity: vmActivity(vm) })]));
  return {
    update(next) {
      for (const vm of next.vms) bars.get(vm.id)?.update(Math.round(vm.status === 'cut-over' || vm.status === 'finalized' ? 100 : vm.progress.percent), { name: vm.sourceName.padEnd(width), activity: vmActivity(vm) });
    },
    stop: () => multi.stop(),
  };
}

/** Resolves with the plan once none of its VMs is moving. Ctrl-C stops watching, not the plan. */
export async function watchPlan(client: SkyportClient, out: Output, planId: string): Promise<MigrationPlan> {
  let plan = await client.migrations.get(planId);
  const interactive = out.stdout.isTTY === true && out.stderr.isTTY === true;
  const display = interactive ? barDisplay(out, plan) : lineDisplay(out);
  const onInterrupt = () => {
    display.stop();
    out.note(`\nskyport: stopped watching; plan ${planId} goes on at the broker: skyport migrate plan status ${planId} --watch`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    display.update(plan);
    while (plan.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      plan = await client.migrations.get(planId);
      display.update(plan);
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    display.stop();
  }
  return plan;
}
