/**
 * Importing a disk as a VM the way vSphere's own tools do: an OVF descriptor for it
 * (written by @skyport/ovf), `OvfManager.CreateImportSpec`, `ResourcePool.ImportVApp`, which
 * hands out an HttpNfcLease, the streamOptimized VMDK uploaded to the lease's device URL with
 * `HttpNfcLeaseProgress` on the way, then `HttpNfcLeaseComplete`. On any failure the lease is
 * aborted and the half-made VM removed.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';
import { checkDiskFile, convertImage, imageInfo } from '@skyport/disk';
import { FORMAT_URIS, writeOvf, type Appliance } from '@skyport/ovf';
import type { DriverImportImageRequest } from '@skyport/core';
import { child, childText, children, el, moRef, text, textOf, toMoRef, type MoRef } from './soap-xml.js';
import type { PropertyReader } from './property-reader.js';
import type { VimClient } from './vim-client.js';
import { faultFromTaskError, vimFaultToError } from './vim-faults.js';

export interface ImportPlacement {
  readonly pool: MoRef;
  readonly folder: MoRef;
  readonly datastore: MoRef;
}

function descriptor(name: string, capacityBytes: number, fileSize: number): string {
  const appliance: Appliance = {
    ovfVersion: '1.0',
    producer: { dialect: 'vmware', tool: 'Skyport' },
    name,
    files: [{ id: 'file1', href: 'disk1.vmdk', size: fileSize }],
    networks: [],
    deploymentOptions: [],
    vms: [
      {
        id: name,
        name,
        cpus: 1,
        memoryMiB: 1024,
        firmware: 'bios',
        hardwareFamilies: ['vmx-13'],
        os: { id: 101, vendorType: 'otherLinux64Guest' },
        disks: [
          {
            diskId: 'vmdisk1',
            capacityBytes,
            format: { uri: FORMAT_URIS.streamOptimized, diskFormat: 'vmdk', variant: 'streamOptimized' },
            fileRef: 'file1',
            file: { id: 'file1', href: 'disk1.vmdk', size: fileSize },
            controller: { type: 'scsi', subtype: 'lsilogic', busNumber: 0 },
            addressOnParent: 0,
            index: 0,
          },
        ],
        nics: [],
        cdroms: 0,
        products: [],
      },
    ],
    eulas: [],
  };
  return writeOvf(appliance);
}

/** The raw `<importSpec>` element of a CreateImportSpec response, passed on to ImportVApp unchanged. */
function rawImportSpec(payload: string): string {
  const start = payload.search(/<importSpec[\s>]/);
  const end = payload.indexOf('</importSpec>');
  if (start < 0 || end < 0) throw new SkyportError('ProviderError', 'vSphere returned no import spec for the disk', { providerCode: 'MalformedResponse' });
  return payload.slice(start, end + '</importSpec>'.length).replace(/^<importSpec/, '<spec').replace(/<\/importSpec>$/, '</spec>');
}

/** Imports the disk as a powered-off VM; returns its reference. */
export async function importDiskAsVm(client: VimClient, reader: PropertyReader, placement: ImportPlacement, request: DriverImportImageRequest, workDir: string | undefined): Promise<MoRef> {
  await checkDiskFile(request.path, request.format);
  const base = workDir !== undefined && workDir !== '' ? workDir : tmpdir();
  // The provider's data folder is made on first use.
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'vsphere-import-'));
  try {
    // vSphere's NFC import takes streamOptimized VMDK only: every format is converted to it.
    const vmdk = join(dir, 'disk1.vmdk');
    const info = await imageInfo(request.path, request.format);
    await convertImage({ source: request.path, sourceFormat: request.format, target: vmdk, targetFormat: 'vmdk', vmdkSubformat: 'streamOptimized', ...(request.signal === undefined ? {} : { signal: request.signal }) });
    const size = (await stat(vmdk)).size;
    const content = await client.serviceContent();
    if (content.ovfManager === undefined) throw new SkyportError('Unsupported', 'this vSphere endpoint has no OvfManager; disks cannot be imported', { providerCode: 'NotSupported' });

    const cisp = el('cisp', [text('locale', ''), text('deploymentOption', ''), text('entityName', request.name)]);
    const { result, payload } = await client.callWithText(
      'CreateImportSpec',
      content.ovfManager,
      text('ovfDescriptor', descriptor(request.name, info.virtualSizeBytes, size)) + moRef('resourcePool', placement.pool) + moRef('datastore', placement.datastore) + cisp,
      `preparing the import of ${JSON.stringify(request.name)}`,
    );
    const rv = child(result, 'returnval');
    const errors = children(rv, 'error');
    if (errors.length > 0) {
      const first = faultFromTaskError(errors[0]!);
      throw new SkyportError('InvalidArgument', `vSphere cannot import this disk: ${first.message || first.type}`, { providerCode: first.type });
    }
    const items = children(rv, 'fileItem').map((f) => ({ deviceId: childText(f, 'deviceId') ?? '', path: childText(f, 'path') ?? '' }));

    const leaseResponse = await client.call('ImportVApp', placement.pool, rawImportSpec(payload) + moRef('folder', placement.folder), `importing ${JSON.stringify(request.name)}`);
    const lease = toMoRef(child(leaseResponse, 'returnval'));
    if (lease === undefined) throw new SkyportError('ProviderError', 'vSphere started no import lease', { providerCode: 'MalformedResponse' });
    let entity: MoRef | undefined;
    try {
      const ready = await waitForLease(reader, lease, request.name);
      entity = toMoRef(child(ready, 'entity'));
      const urls = children(ready, 'deviceUrl').map((d) => ({ importKey: childText(d, 'importKey') ?? '', url: childText(d, 'url') ?? '' }));
      const item = items.find((i) => i.path === 'disk1.vmdk') ?? items[0];
      const target = urls.find((u) => u.importKey === item?.deviceId) ?? urls[0];
      if (target === undefined) throw new SkyportError('ProviderError', 'the import lease names no device to upload the disk to', { providerCode: 'MalformedResponse' });
      let reported = -1;
      await client.upload(target.url, vmdk, size, `uploading the disk of ${JSON.stringify(request.name)}`, (sent) => {
        request.onProgress?.(sent, size);
        const percent = Math.floor((sent / size) * 100);
        // The lease expires unless told of progress; one call per 10% keeps it alive cheaply.
        if (percent >= reported + 10) {
          reported = percent;
          void client.call('HttpNfcLeaseProgress', lease, text('percent', percent), 'reporting upload progress').catch(() => undefined);
        }
      });
      request.onProgress?.(size, size);
      await client.call('HttpNfcLeaseComplete', lease, '', `completing the import of ${JSON.stringify(request.name)}`);
    } catch (error) {
      await client.call('HttpNfcLeaseAbort', lease, '', 'aborting the import').catch(() => undefined);
      if (entity !== undefined) await reader.runTask('Destroy_Task', entity, '', `removing the half-imported ${entity.value}`).catch(() => undefined);
      throw error;
    }
    if (entity === undefined) throw new SkyportError('ProviderError', 'the import lease names no virtual machine', { providerCode: 'MalformedResponse' });
    return entity;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForLease(reader: PropertyReader, lease: MoRef, name: string) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const found = await reader.one(lease, ['state', 'info', 'error'], `waiting for the import lease of ${JSON.stringify(name)}`);
    const state = textOf(found?.props.get('state'));
    if (state === 'ready') return found?.props.get('info');
    if (state === 'error') {
      const error = found?.props.get('error');
      throw vimFaultToError(error === undefined ? { type: 'HttpNfcLeaseError', message: 'the import lease failed', node: undefined } : faultFromTaskError(error), `importing ${JSON.stringify(name)}`, lease.value);
    }
    if (found === undefined || state === 'done') throw new SkyportError('ProviderError', `the import lease of ${JSON.stringify(name)} ended before the upload`, { providerCode: 'HttpNfcLease' });
    if (Date.now() > deadline) throw new SkyportError('Timeout', `the import lease of ${JSON.stringify(name)} did not become ready within 10 minutes`, { providerCode: 'HttpNfcLease' });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
