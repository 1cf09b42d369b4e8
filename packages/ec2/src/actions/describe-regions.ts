/**
 * Regions are Skyport providers: `--region sim-east` talks to the provider named sim-east.
 * Every provider the caller can see is listed, whatever region the request was signed for.
 */
import type { ProviderView } from '@skyport/core';
import { defineAction } from '../action.js';
import { filterPredicate, readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';

function spec(endpoint: string): FilterSpec<ProviderView> {
  return {
    fields: {
      'region-name': (p) => p.name,
      endpoint: () => endpoint,
      'opt-in-status': () => 'opt-in-not-required',
    },
  };
}

export const describeRegions = defineAction({
  name: 'DescribeRegions',
  mutates: false,
  regional: false,
  parameters: ['RegionName.N', 'Filter.N', 'AllRegions'],
  parse: (params) => ({ names: params.list('RegionName'), filters: readFilters(params, spec('')), all: params.boolean('AllRegions') }),
  async run(ctx, input) {
    const keep = filterPredicate(input.filters, spec(ctx.endpointHost));
    const providers = (await ctx.broker.providers.list()).sort((a, b) => a.name.localeCompare(b.name)).filter((p) => (input.names.length === 0 || input.names.includes(p.name)) && keep(p));
    return {
      regionInfo: items(providers.map((p) => ({ regionName: p.name, regionEndpoint: ctx.endpointHost, optInStatus: 'opt-in-not-required' }))),
    };
  },
});
