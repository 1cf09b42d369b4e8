/**
 * Fills a new sim with a fleet: `sim-000001` .. `sim-N`, mostly running, some stopped, a few
 * failed and a few still booting, tagged with env/team so filters have something to match.
 * One transaction with one prepared statement: 100k rows take about a second.
 */
import { randomBytes } from 'node:crypto';
import { dimensionAllows, dimensionDefault } from '@skyport/model';
import type { Catalogue } from './sim-catalogue.js';
import type { SimDb } from './sim-database.js';

const ENVS = ['prod', 'prod', 'prod', 'prod', 'prod', 'dev', 'dev', 'dev', 'test', 'test'];
const TEAMS = ['web', 'data', 'ml', 'ops', 'platform'];
const MINUTE = 60_000;
const BOOT_MS = 45_000;

interface Shape { flavorId: string; imageId: string; cpus: number; memoryMiB: number; diskGiB: number }

/** Valid flavor/image/size combinations from the catalogue, so seeded rows pass every check. */
function shapes(catalogue: Catalogue, now: number): Shape[] {
  const images = catalogue.images(now).filter((i) => i.state === 'available');
  const result: Shape[] = [];
  for (const f of catalogue.flavors()) {
    const cpuChoices = [1, 2, 4, 8].filter((c) => f.cpus.kind === 'range' && dimensionAllows(f.cpus, c));
    if (cpuChoices.length === 0) cpuChoices.push(dimensionDefault(f.cpus));
    const diskGiB = dimensionDefault(f.diskGiB);
    for (const cpus of cpuChoices) {
      const memoryMiB = f.memoryMiB.kind === 'range' && dimensionAllows(f.memoryMiB, cpus * 2048) ? cpus * 2048 : dimensionDefault(f.memoryMiB);
      for (const image of images) {
        if (image.architecture === f.architecture && (image.sizeGiB ?? 0) <= diskGiB) result.push({ flavorId: f.nativeId, imageId: image.nativeId, cpus, memoryMiB, diskGiB });
      }
    }
  }
  return result;
}

export interface SeedStateCounts {
  readonly running: number;
  readonly stopped: number;
  readonly error: number;
  readonly pending: number;
}

/** Which state the i-th seeded instance gets (1-based); exported so tests can predict the mix. */
export function seededState(i: number): keyof SeedStateCounts {
  const slot = i % 100;
  if (slot < 15) return 'stopped';
  if (slot < 17) return 'error';
  if (slot < 18) return 'pending';
  return 'running';
}

function timelineFor(state: keyof SeedStateCounts, created: number, now: number, transitionMs: number, i: number): string {
  const booted = created + BOOT_MS;
  switch (state) {
    case 'running':
      return `[[${created},"PROVISIONING"],[${booted},"ACTIVE"]]`;
    case 'stopped':
      return `[[${created},"PROVISIONING"],[${booted},"ACTIVE"],[${booted + MINUTE},"STOPPING"],[${booted + MINUTE + 20_000},"SHUTOFF"]]`;
    case 'error':
      return `[[${created},"PROVISIONING"],[${booted},"ERROR","Host compute-${(i % 40) + 1} failed its health check"]]`;
    case 'pending':
      // Still booting when the cloud opens, finishing over the next few transitions.
      return `[[${now},"PROVISIONING"],[${now + transitionMs * (1 + (i % 5))},"ACTIVE"]]`;
  }
}

/** Seeded instances are in `securityGroupId` (the default group). */
export function seedInstances(db: SimDb, catalogue: Catalogue, count: number, now: number, transitionMs: number, securityGroupId: string): void {
  const zones = catalogue.zones();
  const options = shapes(catalogue, now);
  const ids = randomBytes(8 * count).toString('hex');
  const insert = db.prepare(
    `INSERT INTO instances (id, name, image_id, flavor_id, cpus, memory_mib, disk_gib, zone, tags, timeline, created_at, security_groups)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const shape = options[(i * 7) % options.length]!;
      // Older instances first, one a minute, ending before now so the fleet looks lived-in.
      const created = now - (count - i + 1) * MINUTE - BOOT_MS * 2;
      const state = seededState(i);
      const createdAt = state === 'pending' ? now : created;
      insert.run(
        `srv-${ids.slice((i - 1) * 16, i * 16)}`,
        `sim-${String(i).padStart(6, '0')}`,
        shape.imageId,
        shape.flavorId,
        shape.cpus,
        shape.memoryMiB,
        shape.diskGiB,
        zones[i % zones.length]!,
        `{"env":"${ENVS[i % ENVS.length]!}","team":"${TEAMS[Math.floor(i / 10) % TEAMS.length]!}"}`,
        timelineFor(state, created, now, transitionMs, i),
        new Date(createdAt).toISOString(),
        securityGroupId,
      );
    }
  })();
}
