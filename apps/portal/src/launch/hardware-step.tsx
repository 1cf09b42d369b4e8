/** A hardware profile, then values inside its ranges (Deltacloud-style fixed / range / enum dimensions). */
import { useQuery } from '@tanstack/react-query';
import { describeDimension, dimensionDefault, type ProfileDimension } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { ChoiceList } from '../components/choice-list.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import type { LaunchDraft } from './launch-draft.js';
import type { StepProps } from './step-props.js';

const DIMENSIONS = [
  { field: 'cpus', label: 'vCPUs', unit: '' },
  { field: 'memoryMiB', label: 'Memory (MiB)', unit: ' MiB' },
  { field: 'diskGiB', label: 'Disk (GiB)', unit: ' GiB' },
] as const;

export function HardwareStep({ draft, change, error, provider }: StepProps) {
  const client = useClient();
  const params = { provider: draft.providerId, limit: 1000 };
  const profiles = useQuery({ queryKey: queryKeys.list('hardwareProfile', params), queryFn: () => client.hardwareProfiles.list(params) });
  const locations = useQuery({ queryKey: queryKeys.list('location', params), queryFn: () => client.locations.list(params) });
  const profile = profiles.data?.items.find((p) => p.id === draft.hardwareProfileId || p.name === draft.hardwareProfileId);
  const overrides = provider?.capabilities.instances.profileOverrides ?? true;
  const summary = (d: ProfileDimension, unit: string) => (d.kind === 'fixed' ? `${d.value}${unit}` : `${describeDimension(d)}${unit}`);

  return (
    <>
      <ErrorText error={profiles.error} />
      <ChoiceList
        legend="Hardware profile"
        name="hardwareProfileId"
        value={profile?.id ?? draft.hardwareProfileId}
        onChange={(hardwareProfileId) => change({ hardwareProfileId, cpus: '', memoryMiB: '', diskGiB: '' })}
        error={isAboutField(error, 'hardwareProfileId') ? error : undefined}
        choices={(profiles.data?.items ?? []).map((p) => ({
          id: p.id,
          title: p.name,
          detail: `${summary(p.cpus, ' vCPU')} · ${summary(p.memoryMiB, ' MiB')} · ${summary(p.diskGiB, ' GiB')} · ${p.architecture}`,
        }))}
      />
      {profile === undefined ? null : (
        <div className="dimension-fields">
          {DIMENSIONS.map(({ field, label }) => {
            const dimension = profile[field];
            const fieldError = isAboutField(error, field) ? error : undefined;
            if (dimension.kind === 'fixed' && fieldError === undefined) {
              return (
                <p key={field} className="fixed-dimension">
                  {label}: <strong>{dimension.value}</strong> <span className="muted">(fixed)</span>
                </p>
              );
            }
            const hint = `Allowed: ${describeDimension(dimension)}; empty for the default (${dimensionDefault(dimension)}).${overrides ? '' : ' This provider does not take overrides.'}`;
            return (
              <Field key={field} label={label} hint={hint} error={fieldError}>
                {(control) =>
                  dimension.kind === 'enum' ? (
                    <select {...control} name={field} value={draft[field]} onChange={(e) => change({ [field]: e.target.value } as Partial<LaunchDraft>)}>
                      <option value="">Default ({dimension.default})</option>
                      {dimension.values.map((v) => (
                        <option key={v} value={String(v)}>
                          {v}
                        </option>
                      ))}
                    </select>
                  ) : (
                    // No min/max: the browser would refuse out-of-range values in its own words;
                    // the API checks them against the profile and says what is allowed.
                    <input {...control} name={field} inputMode="numeric" value={draft[field]} placeholder={String(dimensionDefault(dimension))} onChange={(e) => change({ [field]: e.target.value } as Partial<LaunchDraft>)} />
                  )
                }
              </Field>
            );
          })}
        </div>
      )}
      <Field label="Location" hint="Optional; the provider picks one when left empty." error={isAboutField(error, 'locationId') ? error : undefined}>
        {(control) => (
          <select {...control} name="locationId" value={draft.locationId} onChange={(e) => change({ locationId: e.target.value })}>
            <option value="">Any</option>
            {(locations.data?.items ?? [])
              .filter((l) => l.available)
              .map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name} ({l.kind})
                </option>
              ))}
          </select>
        )}
      </Field>
    </>
  );
}
