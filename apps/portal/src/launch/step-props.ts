import type { ProviderView } from '@skyport/client';
import type { LaunchDraft } from './launch-draft.js';

/** What every step of the wizard gets. */
export interface StepProps {
  readonly draft: LaunchDraft;
  readonly change: (change: Partial<LaunchDraft>) => void;
  /** The last launch's error, shown next to the field it names. */
  readonly error: unknown;
  readonly provider: ProviderView | undefined;
}
