import type { InputHTMLAttributes } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: string;
}

export function Field({ label, hint, id, ...input }: FieldProps) {
  const inputId = id ?? `field-${input.name}`;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input id={inputId} {...input} aria-describedby={hint ? `${inputId}-hint` : undefined} />
      {hint ? (
        <small id={`${inputId}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}
