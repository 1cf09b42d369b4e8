/** `skyport states`: the one instance state machine every driver maps onto. */
import type { Command } from 'commander';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { yesNo } from '../format.js';

export function registerStates(program: Command, env: CliEnvironment): void {
  examples(
    program
      .command('states')
      .description('the instance state machine: each state, whether it moves on by itself, its actions and next states')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const states = await ctx.client.instanceStates();
        if (ctx.json) return ctx.out.json(states);
        ctx.out.table(
          [
            { header: 'state', value: (s) => s.state },
            { header: 'transitional', value: (s) => yesNo(s.transitional) },
            { header: 'actions', value: (s) => s.actions.join(',') || '-' },
            { header: 'next', value: (s) => s.next.join(',') || '-' },
            { header: 'description', value: (s) => s.description },
          ],
          states,
          'states',
        );
      }),
    ['skyport states'],
  );
}
