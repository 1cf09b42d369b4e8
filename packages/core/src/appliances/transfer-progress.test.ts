import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, TransferProgress } from './transfer-progress.js';

test('bytes and durations read like a person writes them', () => {
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(403 * 1024 * 1024), '403 MiB');
  assert.equal(formatBytes(2.5 * 1024 ** 3), '2.5 GiB');
  assert.equal(formatDuration(400), '1 s');
  assert.equal(formatDuration(75_000), '75 s');
  assert.equal(formatDuration(600_000), '10 min');
  assert.equal(formatDuration(3 * 3600_000), '3.0 h');
});

test('progress maps a phase onto its share, is throttled, and reports in order', async () => {
  const reports: [number, string][] = [];
  let slow = true;
  const progress = new TransferProgress({
    async report(p, message) {
      // The first write is slow: a later report must still land after it.
      if (slow) {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      reports.push([p, message]);
    },
  });
  await progress.phase({ label: 'copying', from: 10, to: 50, totalBytes: 1000 });
  progress.bytes(100);
  progress.bytes(200);
  progress.bytes(1000);
  await progress.flush();
  assert.deepEqual(reports[0], [10, 'copying: 1000 bytes']);
  assert.equal(reports.length, 2, 'the 10% and 20% updates are throttled; 100% always reports');
  assert.equal(reports[1]?.[0], 50);
  assert.match(reports[1]?.[1] ?? '', /^copying: 1000 bytes of 1000 bytes \(100%\)/);
  await progress.step(120, 'never past 99 before the operation ends');
  assert.equal(reports.at(-1)?.[0], 99);
});
