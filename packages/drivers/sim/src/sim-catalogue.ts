/**
 * What the sim offers: one region with three zones, flavors showing every dimension kind, and
 * a few images. Seeded into the database on first open (so it survives restarts and image
 * tags persist), then read from there.
 */
import type { NativeHardwareProfile, NativeImage, NativeLocation } from '@skyport/core';
import type { ProfileDimension } from '@skyport/model';
import type { SimDb } from './sim-database.js';
import { notFound } from './sim-errors.js';

const FLAVORS: readonly Omit<NativeHardwareProfile, 'nativeId'>[] = [
  { name: 'small', architecture: 'x86_64', cpus: { kind: 'fixed', value: 1 }, memoryMiB: { kind: 'fixed', value: 1024 }, diskGiB: { kind: 'fixed', value: 20 } },
  { name: 'medium', architecture: 'x86_64', cpus: { kind: 'fixed', value: 2 }, memoryMiB: { kind: 'fixed', value: 4096 }, diskGiB: { kind: 'fixed', value: 40 } },
  {
    name: 'flex',
    architecture: 'x86_64',
    cpus: { kind: 'range', min: 1, max: 16, default: 2 },
    memoryMiB: { kind: 'range', min: 512, max: 65536, default: 2048, step: 512 },
    diskGiB: { kind: 'range', min: 10, max: 1000, default: 40, step: 10 },
  },
  {
    name: 'mem',
    architecture: 'x86_64',
    cpus: { kind: 'fixed', value: 4 },
    memoryMiB: { kind: 'enum', values: [16384, 32768, 65536], default: 32768 },
    diskGiB: { kind: 'fixed', value: 100 },
  },
];

interface ImageSeed {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly os: 'linux' | 'windows';
  /** Also the smallest root disk the image boots from. */
  readonly sizeGiB: number;
}

const IMAGES: readonly ImageSeed[] = [
  { id: 'img-debian-12', name: 'debian-12', description: 'Debian 12 (bookworm), cloud image', os: 'linux', sizeGiB: 2 },
  { id: 'img-ubuntu-2404', name: 'ubuntu-24.04', description: 'Ubuntu 24.04 LTS (noble), cloud image', os: 'linux', sizeGiB: 3 },
  { id: 'img-fedora-41', name: 'fedora-41', description: 'Fedora 41 Cloud Base', os: 'linux', sizeGiB: 5 },
  { id: 'img-windows-2022', name: 'windows-2022', description: 'Windows Server 2022 Datacenter', os: 'windows', sizeGiB: 30 },
];

const CATALOGUE_DATE = '2024-11-01T00:00:00.000Z';

export function seedCatalogue(db: SimDb, region: string): void {
  const location = db.prepare('INSERT INTO locations (id, name, kind, parent, available) VALUES (?, ?, ?, ?, 1)');
  location.run(region, region, 'region', null);
  for (const suffix of ['a', 'b', 'c']) location.run(`${region}${suffix}`, `${region}${suffix}`, 'zone', region);
  const flavor = db.prepare('INSERT INTO flavors (id, name, architecture, cpus, memory_mib, disk_gib) VALUES (?, ?, ?, ?, ?, ?)');
  for (const f of FLAVORS) flavor.run(f.name, f.name, f.architecture, JSON.stringify(f.cpus), JSON.stringify(f.memoryMiB), JSON.stringify(f.diskGiB));
  const image = db.prepare(
    "INSERT INTO images (id, name, description, architecture, os, size_gib, state, public, tags, created_at) VALUES (?, ?, ?, 'x86_64', ?, ?, 'available', 1, '{}', ?)",
  );
  for (const i of IMAGES) image.run(i.id, i.name, i.description, i.os, i.sizeGiB, CATALOGUE_DATE);
}

interface FlavorRow { id: string; name: string; architecture: 'x86_64' | 'aarch64'; cpus: string; memory_mib: string; disk_gib: string }
interface ImageRow {
  id: string;
  name: string;
  description: string | null;
  architecture: 'x86_64' | 'aarch64';
  os: string;
  size_gib: number;
  state: NativeImage['state'];
  public: number;
  tags: string;
  created_at: string;
  /** When a `pending` image (made from an instance) becomes available. */
  available_at: number | null;
  deregistered_at: number | null;
}

/** Deregistered images are gone for the API but stay readable for the instances made from them. */
const REGISTERED = 'deregistered_at IS NULL';
interface LocationRow { id: string; name: string; kind: 'region' | 'zone'; parent: string | null; available: number }

function toFlavor(r: FlavorRow): NativeHardwareProfile {
  return {
    nativeId: r.id,
    name: r.name,
    architecture: r.architecture,
    cpus: JSON.parse(r.cpus) as ProfileDimension,
    memoryMiB: JSON.parse(r.memory_mib) as ProfileDimension,
    diskGiB: JSON.parse(r.disk_gib) as ProfileDimension,
  };
}

function toImage(r: ImageRow, now: number): NativeImage {
  // Like instance states, an image's readiness is computed on read: no timers to restore.
  const state = r.state === 'pending' && r.available_at !== null && now >= r.available_at ? 'available' : r.state;
  return {
    nativeId: r.id,
    name: r.name,
    ...(r.description === null ? {} : { description: r.description }),
    architecture: r.architecture,
    os: r.os,
    state,
    sizeGiB: r.size_gib,
    public: r.public === 1,
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdAt: r.created_at,
  };
}

/** Read access to the seeded catalogue, with the lookups request validation needs. */
export class Catalogue {
  constructor(private readonly db: SimDb) {}

  locations(): NativeLocation[] {
    const rows = this.db.prepare('SELECT id, name, kind, parent, available FROM locations ORDER BY seq').all() as LocationRow[];
    return rows.map((r) => ({ nativeId: r.id, name: r.name, kind: r.kind, ...(r.parent === null ? {} : { parent: r.parent }), available: r.available === 1 }));
  }

  /** The zone to place a resource in: the given zone, the first zone of a given region, or the first zone. */
  zoneFor(locationId: string | undefined): string {
    const zones = this.locations().filter((l) => l.kind === 'zone');
    if (locationId === undefined) return zones[0]!.nativeId;
    const zone = zones.find((z) => z.nativeId === locationId) ?? zones.find((z) => z.parent === locationId);
    if (zone === undefined) throw notFound('Zone', locationId, 'locationId');
    return zone.nativeId;
  }

  zones(): string[] {
    return this.locations().filter((l) => l.kind === 'zone').map((l) => l.nativeId);
  }

  flavors(): NativeHardwareProfile[] {
    return (this.db.prepare('SELECT * FROM flavors ORDER BY seq').all() as FlavorRow[]).map(toFlavor);
  }

  flavor(id: string): NativeHardwareProfile {
    const row = this.db.prepare('SELECT * FROM flavors WHERE id = ?').get(id) as FlavorRow | undefined;
    if (row === undefined) throw notFound('Flavor', id, 'hardwareProfileId');
    return toFlavor(row);
  }

  images(now: number): NativeImage[] {
    return (this.db.prepare(`SELECT * FROM images WHERE ${REGISTERED} ORDER BY seq`).all() as ImageRow[]).map((r) => toImage(r, now));
  }

  /** A registered image, or NotFound naming `field`. */
  image(id: string, now: number, field = 'imageId'): NativeImage {
    const row = this.db.prepare(`SELECT * FROM images WHERE id = ? AND ${REGISTERED}`).get(id) as ImageRow | undefined;
    if (row === undefined) throw notFound('Image', id, field);
    return toImage(row, now);
  }

  /** The operating system of an image, deregistered or not (an instance's console needs it). */
  imageOs(id: string): string | undefined {
    return (this.db.prepare('SELECT os FROM images WHERE id = ?').get(id) as { os: string } | undefined)?.os;
  }

  /** Whether a registered image has this name (names are unique, as on most clouds). */
  imageNameTaken(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM images WHERE name = ? AND ${REGISTERED}`).get(name) !== undefined;
  }
}
