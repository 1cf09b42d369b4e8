/**
 * Where VMs can live: datacenters are the model's regions; clusters and standalone hosts
 * (vSphere's compute resources) are its zones. A VM's zone is the owner of its resource pool.
 */
import type { NativeLocation } from '@skyport/core';
import { children, textOf, toMoRef, type MoRef } from './soap-xml.js';
import type { PropertyReader } from './property-reader.js';

export interface Datacenter {
  readonly ref: MoRef;
  readonly name: string;
  readonly vmFolder: MoRef | undefined;
}

export interface ComputeResource {
  readonly ref: MoRef;
  readonly name: string;
  readonly datacenter: string | undefined;
  /** The root resource pool, where new VMs go. */
  readonly pool: MoRef | undefined;
  /** Datastores its hosts share, for imported disks. */
  readonly datastores: readonly MoRef[];
  readonly available: boolean;
}

export interface Topology {
  readonly datacenters: ReadonlyMap<string, Datacenter>;
  readonly computes: ReadonlyMap<string, ComputeResource>;
  /** Resource pool -> its compute resource. */
  readonly poolOwner: ReadonlyMap<string, string>;
  /** Host -> its compute resource. */
  readonly hostOwner: ReadonlyMap<string, string>;
}

const COMPUTE_PATHS = ['name', 'parent', 'resourcePool', 'datastore', 'summary.numEffectiveHosts'];

export async function readTopology(reader: PropertyReader): Promise<Topology> {
  const objects = await reader.all(
    {
      Datacenter: ['name', 'vmFolder'],
      Folder: ['parent'],
      ComputeResource: COMPUTE_PATHS,
      ClusterComputeResource: COMPUTE_PATHS,
      HostSystem: ['parent'],
      ResourcePool: ['owner'],
    },
    'reading datacenters, clusters and hosts',
  );
  const parent = new Map<string, string>();
  const datacenters = new Map<string, Datacenter>();
  const poolOwner = new Map<string, string>();
  const hostOwner = new Map<string, string>();
  for (const o of objects) {
    const p = toMoRef(o.props.get('parent'));
    if (p !== undefined) parent.set(o.obj.value, p.value);
    if (o.obj.type === 'Datacenter') datacenters.set(o.obj.value, { ref: o.obj, name: textOf(o.props.get('name')), vmFolder: toMoRef(o.props.get('vmFolder')) });
    if (o.obj.type === 'HostSystem' && p !== undefined) hostOwner.set(o.obj.value, p.value);
    const owner = toMoRef(o.props.get('owner'));
    if (owner !== undefined) poolOwner.set(o.obj.value, owner.value);
  }
  const datacenterOf = (id: string): string | undefined => {
    for (let at: string | undefined = id, hops = 0; at !== undefined && hops < 64; at = parent.get(at), hops++) {
      if (datacenters.has(at)) return at;
    }
    return undefined;
  };
  const computes = new Map<string, ComputeResource>();
  for (const o of objects) {
    if (o.obj.type !== 'ComputeResource' && o.obj.type !== 'ClusterComputeResource') continue;
    const hosts = Number(textOf(o.props.get('summary.numEffectiveHosts')));
    computes.set(o.obj.value, {
      ref: o.obj,
      name: textOf(o.props.get('name')),
      datacenter: datacenterOf(o.obj.value),
      pool: toMoRef(o.props.get('resourcePool')),
      datastores: children(o.props.get('datastore'), 'ManagedObjectReference').map(toMoRef).filter((r): r is MoRef => r !== undefined),
      // A cluster or host with no usable host (all in maintenance or disconnected) cannot run VMs.
      available: !Number.isFinite(hosts) || hosts > 0 || !o.props.has('summary.numEffectiveHosts'),
    });
  }
  return { datacenters, computes, poolOwner, hostOwner };
}

export function toLocations(topology: Topology): NativeLocation[] {
  const regions: NativeLocation[] = [...topology.datacenters.values()].map((d) => ({ nativeId: d.ref.value, name: d.name, kind: 'region', available: true }));
  const zones: NativeLocation[] = [...topology.computes.values()]
    .filter((c) => c.datacenter !== undefined)
    .map((c) => ({ nativeId: c.ref.value, name: c.name, kind: 'zone', parent: c.datacenter, available: c.available }));
  return [...regions, ...zones];
}
