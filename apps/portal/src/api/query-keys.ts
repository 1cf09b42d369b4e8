/**
 * Every query key of the portal in one place, so the event stream can find what an event
 * makes stale. Keys start with the API collection they read (`instances`, `volumes`, ...).
 */
import type { ResourceKind } from '@skyport/model';

/** The API collection of each inventory kind, which is also the first part of its keys. */
export const KIND_ROOT: Readonly<Record<ResourceKind, string>> = {
  instance: 'instances',
  image: 'images',
  keyPair: 'key-pairs',
  volume: 'volumes',
  snapshot: 'snapshots',
  securityGroup: 'security-groups',
  hardwareProfile: 'hardware-profiles',
  location: 'locations',
};

/** A list query as the client takes it (filters, page size, cursor). */
export type ListParams = object;

export const queryKeys = {
  providers: () => ['providers'] as const,
  instanceStates: () => ['instance-states'] as const,
  counts: (providerId: string | null) => ['instances', 'counts', providerId] as const,
  /** A page of a kind's list; `params` are the list's filters, page size and cursor. */
  list: (kind: ResourceKind, params: ListParams) => [KIND_ROOT[kind], 'list', params] as const,
  lists: (kind: ResourceKind) => [KIND_ROOT[kind], 'list'] as const,
  detail: (kind: ResourceKind, id: string) => [KIND_ROOT[kind], 'detail', id] as const,
  console: (instanceId: string) => ['instances', 'console', instanceId] as const,
  operation: (id: string) => ['operations', 'detail', id] as const,
  operationsOf: (targetId: string) => ['operations', 'target', targetId] as const,
  audit: (cursor: string | undefined) => ['audit', cursor ?? null] as const,
  exports: () => ['exports', 'list'] as const,
  migrations: () => ['migrations', 'list'] as const,
  migration: (planId: string) => ['migrations', 'detail', planId] as const,
  preflight: (planId: string) => ['migrations', 'preflight', planId] as const,
  migrationSteps: (planId: string, vmId: string) => ['migrations', 'steps', planId, vmId] as const,
};
