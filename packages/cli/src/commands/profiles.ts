/** `skyport profiles list`: hardware profiles, with their CPU, memory and disk choices. */
import type { Command } from 'commander';
import { dimensionDefault, type HardwareProfile } from '@skyport/model';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { formatDimension } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';

export function registerProfiles(program: Command, env: CliEnvironment): void {
  const profiles = program.command('profiles').description('hardware profiles (CPU, memory, disk) of every provider');
  examples(
    addInventoryOptions(
      profiles
        .command('list')
        .description('list hardware profiles; a dimension is fixed (2), a range (1..16) or a choice (512|1024|2048)'),
    ).action(async (opts: InventoryFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const page = await fetchPages(opts, (paging) => ctx.client.hardwareProfiles.list({ ...inventoryQuery(opts), ...paging }));
      const provider = await ctx.providerNames(page.items);
      printPage(ctx, page, (items) =>
        ctx.out.table(
          [
            { header: 'id', value: (p) => p.id },
            { header: 'provider', value: (p) => provider(p.providerId) },
            { header: 'name', value: (p) => p.name },
            { header: 'arch', value: (p) => p.architecture },
            { header: 'cpus', value: (p) => withDefault(p, 'cpus') },
            { header: 'memory MiB', value: (p) => withDefault(p, 'memoryMiB') },
            { header: 'disk GiB', value: (p) => withDefault(p, 'diskGiB') },
          ],
          items,
          'hardware profiles',
        ),
      );
    }),
    ['skyport profiles list --provider sim-east', 'skyport instances create --provider sim-east --image debian-12 --profile flex --cpus 4'],
  );
}

/** `1..16 (2)`: the default of a choice is what you get without an override, so show it. */
function withDefault(profile: HardwareProfile, field: 'cpus' | 'memoryMiB' | 'diskGiB'): string {
  const d = profile[field];
  return d.kind === 'fixed' ? formatDimension(d) : `${formatDimension(d)} (${dimensionDefault(d)})`;
}
