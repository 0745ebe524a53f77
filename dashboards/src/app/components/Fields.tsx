import type { TargetedEvent } from 'preact';
import { useId } from 'preact/hooks';

/** One choice of a {@link SelectField}. */
export interface Option {
  value: string;
  label: string;
}

/** A labelled drop-down; the empty value means "all". */
export function SelectField(props: {
  label: string;
  value: string;
  options: readonly Option[];
  onChange(value: string): void;
  /** Label of the empty choice; without it there is none. */
  allLabel?: string;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(e: TargetedEvent<HTMLSelectElement>) => props.onChange(e.currentTarget.value)}
      >
        {props.allLabel !== undefined && <option value="">{props.allLabel}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A labelled search box. */
export function SearchField(props: { label: string; value: string; onInput(value: string): void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="search"
        value={props.value}
        autocomplete="off"
        onInput={(e: TargetedEvent<HTMLInputElement>) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}

/** A labelled number input. */
export function NumberField(props: {
  label: string;
  /** Form field name; the field is uncontrolled when given without `onChange`. */
  name?: string;
  value: string;
  min?: number;
  step?: number;
  onChange?: (value: string) => void;
  describedBy?: string;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        inputMode="decimal"
        {...(props.onChange === undefined ? { defaultValue: props.value } : { value: props.value })}
        min={props.min}
        step={props.step}
        aria-describedby={props.describedBy}
        onChange={(e: TargetedEvent<HTMLInputElement>) => props.onChange?.(e.currentTarget.value)}
      />
    </div>
  );
}
