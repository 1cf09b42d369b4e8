import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { Link } from '../router/router.js';
import type { StepProps } from './step-props.js';

export function KeyPairStep({ draft, change, error, provider }: StepProps) {
  const client = useClient();
  const params = { provider: draft.providerId, limit: 1000 };
  const keyPairs = useQuery({ queryKey: queryKeys.list('keyPair', params), queryFn: () => client.keyPairs.list(params) });
  if (provider?.capabilities.instances.keyPair === false) return <p className="muted">{provider.name} does not install key pairs in instances.</p>;
  return (
    <>
      <ErrorText error={keyPairs.error} />
      <Field label="Key pair" hint={<>Installed for SSH at first boot. New pairs are made on the <Link to="/key-pairs">key pairs</Link> page.</>} error={isAboutField(error, 'keyName') ? error : undefined}>
        {(control) => (
          <select {...control} name="keyName" value={draft.keyName} onChange={(e) => change({ keyName: e.target.value })}>
            <option value="">None</option>
            {(keyPairs.data?.items ?? []).map((k) => (
              <option key={k.id} value={k.name}>
                {k.name} ({k.fingerprint.slice(0, 23)}…)
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}
