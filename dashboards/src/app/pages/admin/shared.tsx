import type { TargetedEvent } from 'preact';
import { useId } from 'preact/hooks';

/** A labelled text, e-mail, password or date input. */
export function TextField(props: {
  label: string;
  value: string;
  onInput(value: string): void;
  type?: 'text' | 'email' | 'password' | 'date';
  required?: boolean;
  autocomplete?: string;
}) {
  const id = useId();
  const attrs = {
    id,
    value: props.value,
    required: props.required,
    autocomplete: props.autocomplete ?? 'off',
    onInput: (e: TargetedEvent<HTMLInputElement>) => props.onInput(e.currentTarget.value),
  };
  // One element per kind: preact types each input kind's attributes apart.
  const input =
    props.type === 'password' ? (
      <input type="password" {...attrs} />
    ) : props.type === 'email' ? (
      <input type="email" {...attrs} />
    ) : props.type === 'date' ? (
      <input type="date" {...attrs} />
    ) : (
      <input type="text" {...attrs} />
    );
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {input}
    </div>
  );
}
