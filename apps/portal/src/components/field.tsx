import { useId, type ReactNode } from 'react';
import { errorMessage } from '../api/errors.js';

/** The attributes that tie an input to its label, hint and error. */
export interface FieldControlProps {
  readonly id: string;
  readonly 'aria-describedby'?: string;
  readonly 'aria-invalid'?: boolean;
}

export interface FieldProps {
  readonly label: ReactNode;
  readonly hint?: ReactNode;
  /** An error about this field (shown as the API worded it, under the input). */
  readonly error?: unknown;
  readonly children: (control: FieldControlProps) => ReactNode;
}

/** A labelled input with its hint and its error next to it, wired for screen readers. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const hasError = error !== undefined && error !== null;
  const errorId = hasError ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter((part) => part !== undefined).join(' ');
  return (
    <div className={hasError ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy === '' ? {} : { 'aria-describedby': describedBy }), ...(hasError ? { 'aria-invalid': true } : {}) })}
      {hint === undefined ? null : (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {hasError ? (
        <p className="field-error" id={errorId} role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </div>
  );
}
