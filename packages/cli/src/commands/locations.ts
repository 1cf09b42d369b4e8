/** `skyport locations list`: regions and zones of every provider. */
import type { Command } from 'commander';
import { contextOf, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { yesNo } from '../format.js';
import { addInventoryOptions, fetchPages, inventoryQuery, printPage, type InventoryFlags } from '../lists.js';

export function registerLocations(program: Command, env: CliEnvironment): void {
  const locations = program.command('locations').description('regions and zones of every provider');
  examples(
    addInventoryOptions(locations.command('list').description('list regions and zones (zones are what --zone takes)')).action(
      async (opts: InventoryFlags, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const page = await fetchPages(opts, (paging) => ctx.client.locations.list({ ...inventoryQuery(opts), ...paging }));
        const provider = await ctx.providerNames(page.items);
        printPage(ctx, page, (items) =>
          ctx.out.table(
            [
              { header: 'id', value: (l) => l.id },
              { header: 'provider', value: (l) => provider(l.providerId) },
              { header: 'name', value: (l) => l.name },
              { header: 'kind', value: (l) => l.kind },
              { header: 'region', value: (l) => l.parent },
              { header: 'available', value: (l) => yesNo(l.available) },
            ],
            items,
            'locations',
          ),
        );
      },
    ),
    ['skyport locations list', 'skyport locations list --provider sim-east'],
  );
}
