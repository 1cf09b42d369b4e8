/** How broker events change the portal's query cache: a real QueryClient, real events' shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryClient } from '@tanstack/react-query';
import type { Page, ProviderView } from '@skyport/client';
import type { BrokerEvent, Instance, Operation } from '@skyport/model';
import { applyEvent } from '../src/api/apply-event.js';
import { DebouncedInvalidator } from '../src/api/debounced-invalidator.js';
import { queryKeys } from '../src/api/query-keys.js';

const instance = (id: string, state: Instance['state'], extra: Partial<Instance> = {}) => ({ id, name: id, state, providerId: 'prv-1', ...extra }) as Instance;
const updated = (resource: Instance): BrokerEvent => ({ type: 'resource.updated', kind: 'instance', providerId: resource.providerId, id: resource.id, resource });
const created = (resource: Instance): BrokerEvent => ({ type: 'resource.created', kind: 'instance', providerId: resource.providerId, id: resource.id, resource });

/** The invalidator's keys, recorded instead of refetched. */
class Recorder extends DebouncedInvalidator {
  readonly keys: unknown[] = [];
  constructor(queryClient: QueryClient) {
    super(queryClient);
  }
  override add(queryKey: readonly unknown[]): void {
    this.keys.push(queryKey);
  }
}

test('an update patches the row in every cached page and the detail, keeping fields the list asked for', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const all = queryKeys.list('instance', { limit: 100 });
  const narrow = queryKeys.list('instance', { limit: 100, fields: ['name', 'state'] });
  queryClient.setQueryData<Page<Partial<Instance>>>(all, { items: [instance('i-1', 'pending'), instance('i-2', 'running')] });
  queryClient.setQueryData<Page<Partial<Instance>>>(narrow, { items: [{ id: 'i-1', name: 'i-1', state: 'pending' }] });
  queryClient.setQueryData(queryKeys.detail('instance', 'i-1'), instance('i-1', 'pending'));

  applyEvent(queryClient, later, updated(instance('i-1', 'running', { cpus: 4 })));
  assert.equal(queryClient.getQueryData<Page<Instance>>(all)?.items[0]?.state, 'running');
  assert.equal(queryClient.getQueryData<Page<Instance>>(all)?.items[1]?.state, 'running');
  assert.equal(queryClient.getQueryData<Page<Instance>>(narrow)?.items[0]?.state, 'running');
  assert.equal(queryClient.getQueryData<Instance>(queryKeys.detail('instance', 'i-1'))?.cpus, 4);
  // Unfiltered lists need no refetch for an update; the per-state counts do.
  assert.deepEqual(later.keys, [['instances', 'counts']]);
});

test('an update refetches lists whose filter it may affect; a create refetches every list of its kind', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const running = queryKeys.list('instance', { limit: 100, state: ['running'] });
  queryClient.setQueryData(running, { items: [instance('i-1', 'running')] });
  queryClient.setQueryData(queryKeys.list('instance', { limit: 100 }), { items: [] });
  applyEvent(queryClient, later, updated(instance('i-1', 'stopping')));
  assert.deepEqual(later.keys, [running, ['instances', 'counts']]);

  later.keys.length = 0;
  applyEvent(queryClient, later, created(instance('i-9', 'pending')));
  assert.deepEqual(later.keys, [queryKeys.lists('instance'), ['instances', 'counts']]);
});

test('events of things nobody looked at leave the cache as it was (a 10k sync adds nothing)', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  for (let i = 0; i < 10_000; i++) applyEvent(queryClient, later, created(instance(`i-${i}`, 'running')));
  assert.equal(queryClient.getQueryCache().getAll().length, 0);
});

test('a delete drops the row; other kinds patch their own lists only', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const instances = queryKeys.list('instance', { limit: 100 });
  const volumes = queryKeys.list('volume', { limit: 100 });
  queryClient.setQueryData(instances, { items: [instance('i-1', 'running'), instance('i-2', 'running')] });
  queryClient.setQueryData(volumes, { items: [{ id: 'vol-1', state: 'creating' }] });
  applyEvent(queryClient, later, { type: 'resource.deleted', kind: 'instance', providerId: 'prv-1', id: 'i-1' });
  assert.deepEqual(queryClient.getQueryData<Page<Instance>>(instances)?.items.map((i) => i.id), ['i-2']);
  applyEvent(queryClient, later, { type: 'resource.updated', kind: 'volume', providerId: 'prv-1', id: 'vol-1', resource: { id: 'vol-1', state: 'available' } });
  assert.equal(queryClient.getQueryData<Page<{ state: string }>>(volumes)?.items[0]?.state, 'available');
});

test('operations update their own entry and their target history, newest first', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const older: Operation = { id: 'op-1', type: 'instance.create', status: 'succeeded', progress: 100, targetId: 'i-1', createdAt: '2026-01-01T00:00:00Z', updatedAt: 'x' };
  queryClient.setQueryData(queryKeys.operationsOf('i-1'), { items: [older] });
  const stop: Operation = { ...older, id: 'op-2', type: 'instance.stop', status: 'running', progress: 40, createdAt: '2026-01-02T00:00:00Z' };
  applyEvent(queryClient, later, { type: 'operation.updated', operation: stop });
  assert.deepEqual(queryClient.getQueryData<Page<Operation>>(queryKeys.operationsOf('i-1'))?.items.map((o) => o.id), ['op-2', 'op-1']);
  assert.equal(queryClient.getQueryData<Operation>(queryKeys.operation('op-2'))?.progress, 40);
  applyEvent(queryClient, later, { type: 'operation.updated', operation: { ...stop, status: 'succeeded', progress: 100 } });
  assert.deepEqual(queryClient.getQueryData<Page<Operation>>(queryKeys.operationsOf('i-1'))?.items.map((o) => o.progress), [100, 100]);
});

test('a provider update keeps its capabilities; an unknown provider refetches the list; a delete drops it', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const known = { id: 'prv-1', name: 'east', status: 'available', capabilities: { instances: {} } } as unknown as ProviderView;
  queryClient.setQueryData(queryKeys.providers(), [known]);
  const record = { id: 'prv-1', name: 'east', status: 'unavailable', statusReason: 'down' } as unknown as ProviderView;
  applyEvent(queryClient, later, { type: 'provider.updated', provider: record });
  const [after] = queryClient.getQueryData<ProviderView[]>(queryKeys.providers()) ?? [];
  assert.equal(after?.status, 'unavailable');
  assert.ok(after?.capabilities);
  applyEvent(queryClient, later, { type: 'provider.updated', provider: { ...record, id: 'prv-2' } });
  assert.deepEqual(later.keys, [queryKeys.providers()]);
  applyEvent(queryClient, later, { type: 'provider.deleted', providerId: 'prv-1' });
  assert.deepEqual(queryClient.getQueryData<ProviderView[]>(queryKeys.providers()), []);
});

test('a finished export refreshes the list of exports; a running one or another operation does not', () => {
  const queryClient = new QueryClient();
  const later = new Recorder(queryClient);
  const op = (type: string, status: Operation['status']): BrokerEvent => ({ type: 'operation.updated', operation: { id: 'op-1', type, status, progress: 100, createdAt: '', updatedAt: '' } as Operation });
  applyEvent(queryClient, later, op('instance.export', 'running'));
  applyEvent(queryClient, later, op('instance.create', 'succeeded'));
  assert.deepEqual(later.keys, []);
  applyEvent(queryClient, later, op('image.export', 'succeeded'));
  assert.deepEqual(later.keys, [queryKeys.exports()]);
});
