/** Availability zones are the zones of the provider the region names. */
import type { Location } from '@skyport/model';
import { defineAction } from '../action.js';
import { Ec2Error } from '../protocol/ec2-error.js';
import { filterPredicate, readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';

function spec(region: string): FilterSpec<Location> {
  return {
    fields: {
      'zone-name': (z) => z.name,
      'zone-id': (z) => z.id,
      state: (z) => (z.available ? 'available' : 'unavailable'),
      'region-name': () => region,
      'zone-type': () => 'availability-zone',
      'group-name': () => region,
      'opt-in-status': () => 'opt-in-not-required',
    },
  };
}

export const describeAvailabilityZones = defineAction({
  name: 'DescribeAvailabilityZones',
  mutates: false,
  subject: 'zone',
  parameters: ['ZoneName.N', 'ZoneId.N', 'Filter.N', 'AllAvailabilityZones'],
  parse: (params) => ({
    names: params.list('ZoneName'),
    ids: params.list('ZoneId'),
    // The spec depends only on the region for values; names are checked here.
    filters: readFilters(params, spec('')),
    all: params.boolean('AllAvailabilityZones'),
  }),
  async run(ctx, input) {
    const { zones, zoneByName } = await ctx.catalog();
    const unknown = input.names.filter((n) => !zoneByName.has(n));
    if (unknown.length > 0) {
      throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${unknown.join(', ')}]; the zones of region ${ctx.region} are ${zones.map((z) => z.name).join(', ')}`);
    }
    const keep = filterPredicate(input.filters, spec(ctx.region));
    const selected = zones.filter((z) => (input.names.length === 0 || input.names.includes(z.name)) && (input.ids.length === 0 || input.ids.includes(z.id)) && keep(z));
    return {
      availabilityZoneInfo: items(
        selected.map((z) => ({
          zoneName: z.name,
          zoneState: z.available ? 'available' : 'unavailable',
          regionName: ctx.region,
          messageSet: items([]),
          optInStatus: 'opt-in-not-required',
          zoneId: z.id,
          groupName: ctx.region,
          networkBorderGroup: ctx.region,
          zoneType: 'availability-zone',
        })),
      ),
    };
  },
});
