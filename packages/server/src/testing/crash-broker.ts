/**
 * A broker for crash tests: the real server (configured by the usual SKYPORT_* variables) that
 * kills itself with SIGKILL when it sees the event named by SKYPORT_CRASH_AT, so a test can
 * stop it at an exact point of a migration (no graceful shutdown, no flush: like `kill -9`).
 *
 *   step:<step>       a migration VM starts <step> (its `started` entry is stored)
 *   status:<status>   a migration VM reaches <status>
 *   undo:<step>       a migration VM being cancelled or rolled back starts undoing <step>
 *   created:<kind>    the broker records a new <kind> (image, instance) of the migration's target,
 *                     after the provider made it and before the step checkpoints its id
 *
 * Prints `READY <url>` once it listens. SKYPORT_TEST_TUNING may hold BrokerTuning as JSON.
 */
import type { BrokerEvent } from '@skyport/model';
import { loadConfig, startServer } from '../index.js';

const crashAt = process.env['SKYPORT_CRASH_AT'];
const targetProvider = process.env['SKYPORT_CRASH_TARGET'];
const tuning = JSON.parse(process.env['SKYPORT_TEST_TUNING'] ?? '{}') as Record<string, number>;

function matches(event: BrokerEvent, rule: string): boolean {
  const [kind, value] = rule.split(':');
  if (kind === 'step') return event.type === 'migration.updated' && event.vm.status === 'running' && event.vm.step === value;
  if (kind === 'status') return event.type === 'migration.updated' && event.vm.status === value;
  if (kind === 'undo') return event.type === 'migration.updated' && (event.vm.status === 'cancelling' || event.vm.status === 'rolling-back') && event.vm.step === value;
  if (kind === 'created') return event.type === 'resource.created' && event.kind === value && (targetProvider === undefined || event.providerId === targetProvider);
  throw new Error(`SKYPORT_CRASH_AT "${rule}" is not step:<step>, status:<status>, undo:<step> or created:<kind>`);
}

// Subscribed before the workers start: a resumed VM may reach the crash point at once.
const server = await startServer(loadConfig(), {
  tuning,
  beforeStart: (broker, admin) => {
    if (crashAt === undefined || crashAt === '') return;
    broker.as(admin.principal).events.subscribe((event) => {
      if (matches(event, crashAt)) process.kill(process.pid, 'SIGKILL');
    });
  },
});
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
