/** `skyport drivers list`: what kinds of cloud this broker can talk to. */
import type { Command } from 'commander';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';

export function registerDrivers(program: Command, env: CliEnvironment): void {
  const drivers = program.command('drivers').description('the drivers this broker can run');
  examples(
    drivers
      .command('list')
      .description('list drivers with their features and configuration fields (* = secret, ? = optional)')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.drivers.list();
        if (ctx.json) return ctx.out.json(list);
        ctx.out.table(
          [
            { header: 'name', value: (d) => d.name },
            { header: 'features', value: (d) => Object.keys(d.capabilities).filter((k) => d.capabilities[k as keyof typeof d.capabilities] !== undefined).join(',') },
            { header: 'config', value: (d) => d.configFields.map((f) => `${f.name}${f.secret ? '*' : ''}${f.required ? '' : '?'}`).join(',') },
            { header: 'description', value: (d) => d.description },
          ],
          list,
          'drivers',
        );
      }),
    ['skyport drivers list', 'skyport drivers list --json'],
  );
}
