/**
 * The deterministic names and tags that let a resumed VM find what an interrupted attempt
 * created at a provider before the broker could record its id.
 */

/** Tag put on every target instance and image a migration creates: the VM's id. */
export const MIGRATION_TAG = 'skyport:migration';

/** The target image's name: unique per VM, so a second import cannot happen unnoticed. */
export function importedImageName(vmId: string): string {
  return `skyport-mig-${vmId}`;
}

/** The temporary image of the source in `snapshot` mode. */
export function snapshotImageName(vmId: string): string {
  return `skyport-snap-${vmId}`;
}

export function migrationTags(vmId: string): Record<string, string> {
  return { [MIGRATION_TAG]: vmId };
}
