import type { CloudDriver, NativeSnapshot, NativeVolume } from '@skyport/core';
import type { SnapshotState, VolumeState } from '@skyport/model';
import { defaultPollMs, poll } from './poll.js';

/**
 * The contract has no getVolume/getSnapshot, so these poll the list. `undefined` means the
 * resource is gone, which counts as reaching `deleted`.
 */
export async function waitForVolumeState(
  driver: CloudDriver,
  id: string,
  states: readonly VolumeState[],
  timeoutMs: number,
  pollMs = defaultPollMs(timeoutMs),
): Promise<NativeVolume | undefined> {
  let last = 'nothing';
  const gone = Symbol('gone');
  const result = await poll<NativeVolume | typeof gone>(
    `volume ${id} reaching ${states.join(' or ')}`,
    timeoutMs,
    pollMs,
    async () => {
      const volume = (await driver.listVolumes()).find((v) => v.nativeId === id);
      last = volume?.state ?? 'gone';
      if (volume === undefined) {
        if (states.includes('deleted')) return gone;
        throw new Error(`volume ${id} disappeared while waiting for ${states.join(' or ')}`);
      }
      if (volume.state === 'error' && !states.includes('error')) throw new Error(`volume ${id} is in error while waiting for ${states.join(' or ')}`);
      return states.includes(volume.state) ? volume : undefined;
    },
    () => last,
  );
  return result === gone ? undefined : result;
}

export async function waitForSnapshotState(
  driver: CloudDriver,
  id: string,
  states: readonly SnapshotState[],
  timeoutMs: number,
  pollMs = defaultPollMs(timeoutMs),
): Promise<NativeSnapshot | undefined> {
  let last = 'nothing';
  const gone = Symbol('gone');
  const result = await poll<NativeSnapshot | typeof gone>(
    `snapshot ${id} reaching ${states.join(' or ')}`,
    timeoutMs,
    pollMs,
    async () => {
      const snapshot = (await driver.listSnapshots()).find((s) => s.nativeId === id);
      last = snapshot === undefined ? 'gone' : `${snapshot.state} ${snapshot.progress}%`;
      if (snapshot === undefined) {
        if (states.includes('deleted')) return gone;
        throw new Error(`snapshot ${id} disappeared while waiting for ${states.join(' or ')}`);
      }
      if (snapshot.state === 'error' && !states.includes('error')) throw new Error(`snapshot ${id} is in error`);
      return states.includes(snapshot.state) ? snapshot : undefined;
    },
    () => last,
  );
  return result === gone ? undefined : result;
}
