/**
 * Reading the inventory through the PropertyCollector: `RetrievePropertiesEx` with
 * `maxObjects`, then `ContinueRetrievePropertiesEx` until no token is left, so a vCenter with
 * 10k VMs answers in pages instead of one response that times out. Whole-inventory reads go
 * through a ContainerView (created, read, destroyed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';
import { child, childText, children, el, moRef, text, textOf, toMoRef, type MoRef, type XmlNode } from './soap-xml.js';
import { faultFromTaskError, vimFaultToError } from './vim-faults.js';
import type { VimClient } from './vim-client.js';

/** One object's requested properties, by property path. */
export interface ObjectContent {
  readonly obj: MoRef;
  readonly props: ReadonlyMap<string, XmlNode>;
}

export interface PropertyReaderOptions {
  /** `maxObjects` per page. */
  readonly pageSize: number;
  readonly taskPollMs: number;
  readonly taskTimeoutMs: number;
}

/** Types to read and the property paths wanted for each. */
export type PropertyWish = Readonly<Record<string, readonly string[]>>;

function propSpecs(wish: PropertyWish): string {
  return Object.entries(wish)
    .map(([type, paths]) => el('propSet', [text('type', type), ...paths.map((p) => text('pathSet', p))]))
    .join('');
}

function parseObjects(returnval: XmlNode | undefined): ObjectContent[] {
  return children(returnval, 'objects').map((o) => {
    const obj = toMoRef(child(o, 'obj'));
    if (obj === undefined) throw new SkyportError('ProviderError', 'vSphere returned an object without a reference', { providerCode: 'MalformedResponse' });
    const props = new Map<string, XmlNode>();
    for (const p of children(o, 'propSet')) {
      const name = childText(p, 'name');
      const val = child(p, 'val');
      if (name !== undefined && val !== undefined) props.set(name, val);
    }
    return { obj, props };
  });
}

export class PropertyReader {
  constructor(
    private readonly client: VimClient,
    private readonly options: PropertyReaderOptions,
  ) {}

  /** Retrieves with paging; `pageSize` overrides the configured `maxObjects`. */
  async retrieve(specSet: string, what: string, pageSize = this.options.pageSize): Promise<ObjectContent[]> {
    const { propertyCollector } = await this.client.serviceContent();
    const first = await this.client.call('RetrievePropertiesEx', propertyCollector, specSet + el('options', text('maxObjects', pageSize)), what);
    let result = child(first, 'returnval');
    const objects = parseObjects(result);
    let token = childText(result, 'token');
    while (token !== undefined && token !== '') {
      const next = await this.client.call('ContinueRetrievePropertiesEx', propertyCollector, text('token', token), `${what} (next page)`);
      result = child(next, 'returnval');
      objects.push(...parseObjects(result));
      token = childText(result, 'token');
    }
    return objects;
  }

  /** Every object of the given types under the root folder. */
  async all(wish: PropertyWish, what: string, pageSize?: number): Promise<ObjectContent[]> {
    try {
      return await this.#all(wish, what, pageSize);
    } catch (error) {
      // A view belongs to the session that made it: if the session was replaced mid-read
      // (expiry, then a new login), the view is gone and the read starts over once.
      const object = error instanceof SkyportError ? error.details?.['object'] : undefined;
      if (typeof object !== 'string' || !object.startsWith('ContainerView:')) throw error;
      return this.#all(wish, what, pageSize);
    }
  }

  async #all(wish: PropertyWish, what: string, pageSize?: number): Promise<ObjectContent[]> {
    const content = await this.client.serviceContent();
    const created = await this.client.call(
      'CreateContainerView',
      content.viewManager,
      moRef('container', content.rootFolder) + Object.keys(wish).map((t) => text('type', t)).join('') + text('recursive', true),
      what,
    );
    const view = toMoRef(child(created, 'returnval'));
    if (view === undefined) throw new SkyportError('ProviderError', `vSphere created no container view while ${what}`, { providerCode: 'MalformedResponse' });
    try {
      const spec = el('specSet', [
        propSpecs(wish),
        el('objectSet', [
          moRef('obj', view),
          text('skip', true),
          el('selectSet', [text('name', 'traverseView'), text('type', 'ContainerView'), text('path', 'view'), text('skip', false)], 'TraversalSpec'),
        ]),
      ]);
      return await this.retrieve(spec, what, pageSize);
    } finally {
      await this.client.call('DestroyView', view, '', 'destroying a container view').catch(() => undefined);
    }
  }

  /** The given properties of one object; `undefined` when vSphere does not know it. */
  async one(ref: MoRef, paths: readonly string[], what: string): Promise<ObjectContent | undefined> {
    const spec = el('specSet', [propSpecs({ [ref.type]: paths }), el('objectSet', moRef('obj', ref))]);
    try {
      const [found] = await this.retrieve(spec, what);
      return found;
    } catch (error) {
      if (error instanceof SkyportError && error.providerCode === 'ManagedObjectNotFound') return undefined;
      throw error;
    }
  }

  /**
   * Waits for a task to finish, reporting `info.progress`; returns `info.result` or throws
   * the task's fault translated.
   */
  async waitForTask(task: MoRef, what: string, onProgress?: (percent: number) => void): Promise<XmlNode | undefined> {
    const deadline = Date.now() + this.options.taskTimeoutMs;
    for (;;) {
      const info = await this.one(task, ['info.state', 'info.progress', 'info.error', 'info.result'], `following the task of ${what}`);
      if (info === undefined) throw new SkyportError('ProviderError', `vSphere forgot task ${task.value} while ${what}`, { providerCode: 'ManagedObjectNotFound' });
      const state = textOf(info.props.get('info.state'));
      if (state === 'success') {
        onProgress?.(100);
        return info.props.get('info.result');
      }
      if (state === 'error') {
        const error = info.props.get('info.error');
        throw vimFaultToError(error === undefined ? { type: 'MethodFault', message: 'the task failed', node: undefined } : faultFromTaskError(error), what, task.value);
      }
      const progress = Number(textOf(info.props.get('info.progress')));
      if (Number.isFinite(progress) && progress > 0) onProgress?.(progress);
      if (Date.now() > deadline) {
        throw new SkyportError('Timeout', `vSphere task ${task.value} (${what}) did not finish within ${Math.round(this.options.taskTimeoutMs / 1000)} s; it is ${state}`, {
          providerCode: 'TaskTimeout',
          requestId: task.value,
        });
      }
      await sleep(this.options.taskPollMs);
    }
  }

  /** Calls a `*_Task` method and waits for it. */
  async runTask(method: string, target: MoRef, params: string, what: string, onProgress?: (percent: number) => void): Promise<XmlNode | undefined> {
    const response = await this.client.call(method, target, params, what);
    const task = toMoRef(child(response, 'returnval'));
    if (task === undefined) throw new SkyportError('ProviderError', `vSphere returned no task for ${method} while ${what}`, { providerCode: 'MalformedResponse' });
    return this.waitForTask(task, what, onProgress);
  }
}
