import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSkyportError } from '@skyport/model';
import { writeUpload } from './upload-writer.js';

function tarStart(): Buffer {
  const header = Buffer.alloc(512);
  header.write('disk.ovf', 0);
  header.write('ustar\0', 257, 'latin1');
  return header;
}

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSkyportError(error));
    assert.equal(error.code, 'InvalidArgument');
    return String(error.details?.['reason']);
  }
  assert.fail('expected a refusal');
}

test('an upload is written as it arrives; refusals leave no file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-upload-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // The header split over chunks is still recognised.
  const body = Buffer.concat([tarStart(), Buffer.alloc(2048, 1)]);
  const written = await writeUpload(dir, chunks(body.subarray(0, 100), body.subarray(100, 700), body.subarray(700)), 1024 * 1024);
  assert.equal(written.sizeBytes, body.length);
  assert.ok((await readFile(written.path)).equals(body));
  await rm(written.path);

  assert.equal(await refusal(writeUpload(dir, chunks(Buffer.alloc(4096, 0x41)), 1024 * 1024)), 'not-tar');
  assert.equal(await refusal(writeUpload(dir, chunks(Buffer.from('short')), 1024 * 1024)), 'not-tar');
  assert.equal(await refusal(writeUpload(dir, chunks(), 1024 * 1024)), 'empty');
  assert.equal(await refusal(writeUpload(dir, chunks(tarStart(), Buffer.alloc(4096)), 2048)), 'too-large');
  assert.equal(await refusal(writeUpload(dir, chunks(tarStart()), 2048, 4096)), 'too-large', 'an announced size over the cap is refused before reading');
  assert.deepEqual(await readdir(dir), []);
});
