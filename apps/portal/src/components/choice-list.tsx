/** A radio group of cards (images, hardware profiles): one choice, arrow keys move between them. */
import type { ReactNode } from 'react';
import { errorMessage } from '../api/errors.js';

export interface Choice {
  readonly id: string;
  readonly title: ReactNode;
  readonly detail?: ReactNode;
}

export function ChoiceList({
  legend,
  name,
  choices,
  value,
  onChange,
  error,
}: {
  readonly legend: string;
  readonly name: string;
  readonly choices: readonly Choice[];
  readonly value: string;
  readonly onChange: (id: string) => void;
  readonly error?: unknown;
}) {
  const errorId = `${name}-error`;
  const hasError = error !== undefined && error !== null;
  return (
    <fieldset className="choice-list" aria-describedby={hasError ? errorId : undefined}>
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice.id} className={choice.id === value ? 'choice chosen' : 'choice'}>
          <input type="radio" name={name} value={choice.id} checked={choice.id === value} onChange={() => onChange(choice.id)} aria-invalid={hasError || undefined} />
          <span className="choice-title">{choice.title}</span>
          {choice.detail === undefined ? null : <span className="choice-detail muted small">{choice.detail}</span>}
        </label>
      ))}
      {hasError ? (
        <p className="field-error" id={errorId} role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </fieldset>
  );
}
