import { useProviders } from '../api/use-catalogue.js';
import { isAboutField } from '../api/errors.js';
import { ChoiceList } from '../components/choice-list.js';
import { EMPTY_DRAFT } from './launch-draft.js';
import type { StepProps } from './step-props.js';

export function ProviderStep({ draft, change, error }: StepProps) {
  const { data: providers = [] } = useProviders();
  return (
    <ChoiceList
      legend="Which cloud should run the instance?"
      name="providerId"
      value={draft.providerId}
      // Images, profiles, key pairs and groups belong to one provider: another provider starts over.
      onChange={(providerId) => change({ ...EMPTY_DRAFT, name: draft.name, userData: draft.userData, providerId })}
      error={isAboutField(error, 'providerId') ? error : undefined}
      choices={providers.map((p) => ({
        id: p.id,
        title: p.name,
        detail: `${p.driver}${p.region === undefined ? '' : ` · ${p.region}`} · ${p.status}`,
      }))}
    />
  );
}
