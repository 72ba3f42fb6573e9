import { type InputHTMLAttributes, useLayoutEffect, useRef } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: string;
}

export function Field({ label, hint, id, autoFocus, ...input }: FieldProps) {
  const inputId = id ?? `field-${input.name}`;
  const ref = useRef<HTMLInputElement>(null);
  // Focused as it mounts, every time (after a logout too): preact/compat, which the renderer
  // runs on, would only write the autofocus attribute, which a browser honours once a page.
  useLayoutEffect(() => {
    if (autoFocus) ref.current?.focus();
  }, [autoFocus]);
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input ref={ref} id={inputId} {...input} aria-describedby={hint ? `${inputId}-hint` : undefined} />
      {hint ? (
        <small id={`${inputId}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}
