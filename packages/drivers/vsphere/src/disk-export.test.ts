import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatExtentOf, parseDatastorePath } from './disk-export.js';

// Descriptors as ESXi writes them (VMware's Virtual Disk Format 1.1 specification).
const THICK = `# Disk DescriptorFile
version=1
CID=fffffffe
parentCID=ffffffff
createType="vmfs"

# Extent description
RW 33554432 VMFS "web-1-flat.vmdk"

# The Disk Data Base
ddb.adapterType = "lsilogic"
`;

const DELTA = `# Disk DescriptorFile
version=1
CID=12345678
parentCID=fffffffe
createType="vmfsSparse"
parentFileNameHint="web-1.vmdk"
RW 33554432 VMFSSPARSE "web-1-000001-delta.vmdk"
`;

const TWO_EXTENTS = `createType="monolithicFlat"
RW 1048576 FLAT "a-f001.vmdk" 0
RW 1048576 FLAT "a-f002.vmdk" 0
`;

test('datastore paths split into datastore and path', () => {
  assert.deepEqual(parseDatastorePath('[datastore1] web-1/web-1.vmdk'), { datastore: 'datastore1', path: 'web-1/web-1.vmdk' });
  assert.deepEqual(parseDatastorePath('[LocalDS_0] a b/c.vmdk'), { datastore: 'LocalDS_0', path: 'a b/c.vmdk' });
  assert.equal(parseDatastorePath('web-1.vmdk'), undefined);
});

test("a flat disk's extent is found beside its descriptor", () => {
  assert.deepEqual(flatExtentOf(THICK, 'web-1/web-1.vmdk'), { file: 'web-1/web-1-flat.vmdk' });
});

test('delta (snapshot) and multi-extent disks are refused with what to do', () => {
  const delta = flatExtentOf(DELTA, 'web-1/web-1-000001.vmdk');
  assert.ok('refused' in delta && /vmfsSparse.*consolidate snapshots/.test(delta.refused), JSON.stringify(delta));
  const two = flatExtentOf(TWO_EXTENTS, 'a/a.vmdk');
  assert.ok('refused' in two && /2 flat extents/.test(two.refused), JSON.stringify(two));
});

test("the simulator's empty descriptor falls back to vSphere's flat naming", () => {
  assert.deepEqual(flatExtentOf('', 'vm/vm.vmdk'), { file: 'vm/vm-flat.vmdk' });
});
