/** What the driver's services share once the data folder is open. */
import type { DriverConfig } from '@skyport/core';
import type { Catalogue } from './catalogue.js';
import type { DataLayout } from './data-layout.js';
import type { DriverState } from './driver-state.js';
import type { HostTools } from './host-tools.js';
import type { QemuImg } from './qemu-img.js';
import type { QemuSettings } from './qemu-settings.js';
import type { TaskRunner } from './task-runner.js';
import type { VmProcess } from './vm-process.js';

export interface DriverContext {
  readonly config: DriverConfig;
  readonly settings: QemuSettings;
  readonly layout: DataLayout;
  readonly state: DriverState;
  readonly catalogue: Catalogue;
  readonly tools: HostTools;
  readonly qemuImg: QemuImg;
  readonly tasks: TaskRunner;
  /** The QEMU processes this driver steers, by instance id. */
  readonly vms: Map<string, VmProcess>;
  /** Persists the state (after every change). */
  save(): Promise<void>;
}

export const GIB = 1024 ** 3;
