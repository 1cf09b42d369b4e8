/** `skyport events`: follows the broker's event stream, one line per event. */
import { InvalidArgumentError, type Command } from 'commander';
import type { BrokerEvent } from '@skyport/model';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatTime } from '../format.js';

const EVENT_TYPES = ['resource.created', 'resource.updated', 'resource.deleted', 'operation.updated', 'provider.updated', 'provider.deleted', 'migration.updated'] as const;
const RECONNECT_MS = 1000;

function eventTypes(value: string, previous: string[] | undefined): string[] {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const t of list) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`"${t}" is not an event type; allowed: ${EVENT_TYPES.join(', ')}.`);
  }
  return [...(previous ?? []), ...list];
}

export function registerEvents(program: Command, env: CliEnvironment): void {
  examples(
    program
      .command('events')
      .description('follow inventory and operation changes as they happen (Ctrl-C to stop); --json prints one JSON object per line')
      .option('--type <types>', `only these event types, comma list or repeated (${EVENT_TYPES.join(', ')})`, eventTypes)
      .option('--provider <provider>', 'only events of this provider (name or id)')
      .action(async (opts: { type?: string[]; provider?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const stop = new AbortController();
        const onInterrupt = () => stop.abort();
        process.once('SIGINT', onInterrupt);
        const options = { ...(opts.type === undefined ? {} : { types: opts.type }), ...(opts.provider === undefined ? {} : { provider: opts.provider }) };
        const print = (event: BrokerEvent) => (ctx.json ? ctx.out.line(JSON.stringify(event)) : ctx.out.line(eventLine(event, new Date())));
        ctx.out.note(`following events from ${ctx.client.baseUrl} (Ctrl-C to stop)`);
        try {
          // The broker closes streams when it shuts down or restarts; following means
          // picking up again. Failing to connect at all ends the command with the error.
          for (;;) {
            await ctx.client.events(options, print, stop.signal);
            if (stop.signal.aborted) return;
            ctx.out.note('the broker closed the event stream; reconnecting');
            await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
          }
        } finally {
          process.removeListener('SIGINT', onInterrupt);
        }
      }),
    ['skyport events', 'skyport events --type operation.updated', 'skyport events --provider sim-east --json | jq .type'],
  );
}

/** `2024-05-01 12:00:03 resource.updated instance i-… web-1 running`. */
export function eventLine(event: BrokerEvent, at: Date): string {
  const time = formatTime(at.toISOString());
  switch (event.type) {
    case 'resource.created':
    case 'resource.updated': {
      const r = event.resource as { name?: string; state?: string } | undefined;
      return [time, event.type, event.kind, event.id, r?.name, r?.state].filter((p) => p !== undefined && p !== '').join(' ');
    }
    case 'resource.deleted':
      return `${time} ${event.type} ${event.kind} ${event.id}`;
    case 'operation.updated': {
      const o = event.operation;
      return `${time} ${event.type} ${o.id} ${o.type} ${o.status} ${o.progress}%${o.message === undefined ? '' : ` ${o.message}`}`;
    }
    case 'provider.updated':
      return `${time} ${event.type} ${event.provider.name} ${event.provider.status}${event.provider.statusReason === undefined ? '' : ` (${event.provider.statusReason})`}`;
    case 'provider.deleted':
      return `${time} ${event.type} ${event.providerId}`;
    case 'migration.updated': {
      const v = event.vm;
      return `${time} ${event.type} ${event.planId} ${v.sourceName} ${v.status}${v.step === undefined ? '' : ` ${v.step}`} ${Math.round(v.progress.percent)}%${v.progress.message === undefined ? '' : ` ${v.progress.message}`}`;
    }
  }
}
