/**
 * Launch an instance step by step: provider → image → hardware → key pair → security groups
 * → name and user data → review. The broker validates the request (ranges, references,
 * capabilities); its error opens the step of the field it names, shown next to that field.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviders } from '../api/use-catalogue.js';
import { errorField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { navigate, useLocation } from '../router/router.js';
import { EMPTY_DRAFT, STEPS, stepOfField, toRequest, type LaunchDraft } from './launch-draft.js';
import { createIdempotencyKeys } from './idempotency-key.js';
import type { StepProps } from './step-props.js';
import { ProviderStep } from './provider-step.js';
import { ImageStep } from './image-step.js';
import { HardwareStep } from './hardware-step.js';
import { KeyPairStep } from './key-pair-step.js';
import { SecurityGroupStep } from './security-group-step.js';
import { DetailsStep } from './details-step.js';
import { ReviewStep } from './review-step.js';

export function LaunchWizard() {
  const client = useClient();
  const { canChange } = useRights();
  const { search } = useLocation();
  const { data: providers } = useProviders();
  // `/launch?provider=..&image=..` (from the images page) starts with those chosen.
  const [draft, setDraft] = useState<LaunchDraft>(() => ({ ...EMPTY_DRAFT, providerId: search.get('provider') ?? '', imageId: search.get('provider') === null ? '' : (search.get('image') ?? '') }));
  const [step, setStep] = useState(() => (draft.imageId !== '' ? 2 : 0));
  const body = useRef<HTMLDivElement>(null);
  const idempotencyKey = useMemo(createIdempotencyKeys, []);
  const launch = useMutation({
    mutationFn: (request: ReturnType<typeof toRequest>) => client.instances.create(request, { idempotencyKey: idempotencyKey(request) }),
    onSuccess: (operation) => navigate(`/instances/${encodeURIComponent(operation.targetId ?? '')}`),
    onError: (error) => setStep(stepOfField(errorField(error))),
  });

  // After an error, the field it names gets focus; otherwise a new step's heading does.
  useEffect(() => {
    const invalid = body.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? body.current?.querySelector<HTMLElement>('h2'))?.focus();
  }, [step, launch.error]);

  const provider = providers?.find((p) => p.id === draft.providerId);
  const change = (partial: Partial<LaunchDraft>) => {
    setDraft((current) => ({ ...current, ...partial }));
    // The error was about the request as it was; an edit may have answered it.
    if (launch.error !== null) launch.reset();
  };
  const current = STEPS[step]!;
  const reachable = (at: number) => STEPS.slice(0, at).every((s) => s.complete(draft));
  const isLast = step === STEPS.length - 1;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isLast) setStep(step + 1);
    else launch.mutate(toRequest(draft));
  };

  const props: StepProps = { draft, change, error: launch.error, provider };
  const steps: Readonly<Record<string, ReactNode>> = {
    provider: <ProviderStep {...props} />,
    image: <ImageStep {...props} />,
    hardware: <HardwareStep {...props} />,
    'key-pair': <KeyPairStep {...props} />,
    'security-groups': <SecurityGroupStep {...props} />,
    details: <DetailsStep {...props} />,
    review: <ReviewStep draft={draft} providerName={provider?.name ?? draft.providerId} onEdit={setStep} />,
  };
  // An error about a field the steps do not show is shown above the Launch button.
  const unplaced = launch.error !== null && stepOfField(errorField(launch.error)) === STEPS.length - 1 ? launch.error : null;

  return (
    <section className="wizard">
      <PageTitle title="Launch an instance">Launch an instance</PageTitle>
      {!canChange ? <p className="notice">Your role may not launch instances; ask an operator or admin.</p> : null}
      <ol className="steps" aria-label="Steps">
        {STEPS.map((s, at) => (
          <li key={s.key} className={at === step ? 'current' : at < step ? 'done' : undefined}>
            <button type="button" className="step-button" aria-current={at === step ? 'step' : undefined} disabled={!reachable(at)} onClick={() => setStep(at)}>
              <span className="step-number">{at + 1}</span> {s.title}
            </button>
          </li>
        ))}
      </ol>
      <form className="card wizard-body" onSubmit={submit} noValidate aria-labelledby="step-heading">
        <div ref={body}>
          <h2 id="step-heading" tabIndex={-1}>
            {step + 1}. {current.title}
          </h2>
          {steps[current.key]}
        </div>
        {isLast ? <ErrorText error={unplaced} /> : null}
        <div className="wizard-nav">
          <button type="button" onClick={() => setStep(step - 1)} disabled={step === 0}>
            Back
          </button>
          {isLast ? (
            <button type="submit" className="primary" disabled={launch.isPending || !canChange || !reachable(step)}>
              {launch.isPending ? 'Launching…' : 'Launch'}
            </button>
          ) : (
            <button type="submit" className="primary" disabled={!current.complete(draft)}>
              Next
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
