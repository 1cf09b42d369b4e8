/** How a plan's and a VM's statuses read: which move by themselves (pulse) and which colour they take. */
import type { MigrationPlanStatus, MigrationVmStatus } from '@skyport/model';
import { isMigrationVmActive } from '@skyport/model';

export function planIsMoving(status: MigrationPlanStatus): boolean {
  return status === 'running';
}

export function vmIsMoving(status: MigrationVmStatus): boolean {
  return isMigrationVmActive(status);
}
