/**
 * Instance types are the provider's hardware profiles, by name. A profile with ranges or
 * choices (Deltacloud style) shows its defaults; RunInstances launches with them.
 */
import { dimensionDefault, type HardwareProfile } from '@skyport/model';
import { defineAction } from '../action.js';
import { Ec2Error } from '../protocol/ec2-error.js';
import { filterPredicate, readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';
import { ec2Architecture } from '../render/tags-xml.js';
import { pageOfList, readPaging } from './describe-support.js';

const SPEC: FilterSpec<HardwareProfile> = {
  fields: {
    'instance-type': (p) => p.name,
    'vcpu-info.default-vcpus': (p) => dimensionDefault(p.cpus),
    'memory-info.size-in-mib': (p) => dimensionDefault(p.memoryMiB),
    'processor-info.supported-architecture': (p) => ec2Architecture(p.architecture),
    'current-generation': () => true,
    'bare-metal': () => false,
  },
};

export const describeInstanceTypes = defineAction({
  name: 'DescribeInstanceTypes',
  mutates: false,
  subject: 'instanceType',
  parameters: ['InstanceType.N', 'Filter.N', 'MaxResults', 'NextToken'],
  parse: (params) => ({ types: params.list('InstanceType'), filters: readFilters(params, SPEC), paging: readPaging(params, { min: 5, max: 100 }) }),
  async run(ctx, input) {
    const { profiles, profileByName } = await ctx.catalog();
    const unknown = input.types.filter((t) => !profileByName.has(t));
    if (unknown.length > 0) {
      throw new Ec2Error('InvalidInstanceType', `The instance type${unknown.length > 1 ? 's' : ''} '${unknown.join(', ')}' ${unknown.length > 1 ? 'do' : 'does'} not exist in region ${ctx.region}; its types are ${profiles.map((p) => p.name).join(', ')}`);
    }
    const keep = filterPredicate(input.filters, SPEC);
    const selected = profiles.filter((p) => (input.types.length === 0 || input.types.includes(p.name)) && keep(p));
    const page = pageOfList('DescribeInstanceTypes', selected, input.paging, [ctx.region, input.types, input.filters]);
    return {
      instanceTypeSet: items(
        page.items.map((p) => ({
          instanceType: p.name,
          currentGeneration: true,
          freeTierEligible: false,
          supportedUsageClasses: items(['on-demand']),
          supportedRootDeviceTypes: items(['ebs']),
          supportedVirtualizationTypes: items(['hvm']),
          bareMetal: false,
          processorInfo: { supportedArchitectures: items([ec2Architecture(p.architecture)]) },
          vCpuInfo: { defaultVCpus: dimensionDefault(p.cpus), defaultCores: dimensionDefault(p.cpus), defaultThreadsPerCore: 1 },
          memoryInfo: { sizeInMiB: dimensionDefault(p.memoryMiB) },
          instanceStorageSupported: false,
          ebsInfo: { ebsOptimizedSupport: 'unsupported', encryptionSupport: 'unsupported', nvmeSupport: 'unsupported' },
          hibernationSupported: false,
          burstablePerformanceSupported: false,
          dedicatedHostsSupported: false,
          autoRecoverySupported: false,
        })),
      ),
      nextToken: page.nextToken,
    };
  },
});
