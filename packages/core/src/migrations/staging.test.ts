import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { copyFile, sha256File } from './staging.js';

let dir: string;
let source: string;
let bytes: Buffer;
const signal = new AbortController().signal;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skyport-staging-'));
  source = join(dir, 'disk.qcow2');
  bytes = randomBytes(19 * 1024 * 1024 + 123);
  await writeFile(source, bytes);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a copy reports progress, hashes the source and leaves only the final file', async () => {
  const to = join(dir, 'a', 'copy.qcow2');
  const seen: number[] = [];
  const result = await copyFile(source, to, { signal, onProgress: (done) => seen.push(done) });
  assert.deepEqual([result.bytes, result.resumedAt, result.sha256], [bytes.length, 0, sha(bytes)]);
  assert.ok((await readFile(to)).equals(bytes));
  assert.equal(seen[0], 0);
  assert.equal(seen.at(-1), bytes.length);
  await assert.rejects(stat(`${to}.partial`));
  assert.equal(await sha256File(to, { signal }), sha(bytes));
});

test('an interrupted copy continues where its .partial ends; a longer leftover starts over', async () => {
  const to = join(dir, 'b', 'copy.qcow2');
  await copyFile(source, join(dir, 'b', 'warmup'), { signal });
  await writeFile(`${to}.partial`, bytes.subarray(0, 7 * 1024 * 1024));
  const resumed = await copyFile(source, to, { signal });
  assert.equal(resumed.resumedAt, 7 * 1024 * 1024);
  assert.equal(resumed.sha256, sha(bytes), 'the hash covers the whole source');
  assert.ok((await readFile(to)).equals(bytes));

  const again = join(dir, 'c', 'copy.qcow2');
  await copyFile(source, join(dir, 'c', 'warmup'), { signal });
  await writeFile(`${again}.partial`, Buffer.concat([bytes, Buffer.from('junk')]));
  const restarted = await copyFile(source, again, { signal });
  assert.equal(restarted.resumedAt, 0);
  assert.ok((await readFile(again)).equals(bytes));
});
