import type { ComponentChildren, TargetedEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { REQUIRED, failureOf, hasFailure, type FormFailure } from './failure.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** What a field shows when it is wrong: text in the page's language and the stable code. */
export interface FieldError {
  text: string;
  code: string;
}

/**
 * A form's submission: runs the write, keeps what was typed when it is
 * refused (the inputs are the page's state and only a success clears
 * them), and turns the refusal into field errors and a summary in the
 * page's language.
 */
export interface Submission {
  busy: boolean;
  failure: FormFailure | undefined;
  /** A field's error, if any, for {@link Input}'s `error`. */
  fieldError(name: string): FieldError | undefined;
  /**
   * Checks first (`check` returns the failure of the pages' own checks, or
   * undefined), then runs `write`; `fields` are the names the API may
   * name in a 400. Returns whether the write went through.
   */
  run(
    fields: readonly string[],
    write: () => Promise<void>,
    check?: () => FormFailure | undefined,
  ): Promise<boolean>;
  reset(): void;
}

/** {@link Submission} for one form. */
export function useSubmission(): Submission {
  const t = useMessages(messages);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | undefined>(undefined);
  return {
    busy,
    failure,
    fieldError(name) {
      const code = failure?.fields[name];
      if (code === undefined) return undefined;
      return { text: fieldText(t, name, code), code };
    },
    async run(fields, write, check) {
      const own = check?.();
      if (hasFailure(own)) {
        setFailure(own);
        return false;
      }
      setBusy(true);
      setFailure(undefined);
      try {
        await write();
        return true;
      } catch (err) {
        setFailure(failureOf(err, fields));
        return false;
      } finally {
        setBusy(false);
      }
    },
    reset: () => setFailure(undefined),
  };
}

type Translate = ReturnType<typeof useMessages<typeof lv>>;

/** A field's error text: the field's own for a refused value, else by code. */
function fieldText(t: Translate, field: string, code: string): string {
  const own = `bad_${field}` as keyof typeof lv;
  if (code === REQUIRED) return t('err_required');
  if (code === 'SKOLNET_API_BAD_REQUEST' && own in lv) return t(own);
  const byCode = `err_${code}` as keyof typeof lv;
  return byCode in lv ? t(byCode) : t('err_bad_value');
}

/** The text of a refusal that names no field or rule, by its code. */
export function generalText(t: Translate, code: string): string {
  const byCode = `err_${code}` as keyof typeof lv;
  return byCode in lv ? t(byCode) : t('err_generic');
}

/**
 * The summary of a refused form, above its button: every broken rule in
 * the page's language with its code, and a line for field errors. It
 * takes focus when it appears, so a keyboard or screen-reader user hears
 * why; the form's fields keep what was typed.
 */
export function FailureSummary(props: { id: string; failure: FormFailure | undefined }) {
  const t = useMessages(messages);
  const { lang } = useLang();
  const ref = useRef<HTMLDivElement>(null);
  const f = props.failure;
  const shown = hasFailure(f);
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [f]);
  if (!shown) return <div id={props.id} />;
  const fieldCount = Object.keys(f.fields).length;
  return (
    <div id={props.id} ref={ref} tabIndex={-1} role="alert" class="notice notice-error form-failure">
      <p>
        <strong>{t('refused')}</strong>
      </p>
      <ul>
        {f.violations.map((v, i) => (
          <li key={`${v.code}-${i}`}>
            {lang === 'lv' ? v.lv : v.en} <code>{v.code}</code>
          </li>
        ))}
        {f.general !== undefined && (
          <li>
            {generalText(t, f.general)} <code>{f.general}</code>
          </li>
        )}
        {fieldCount > 0 && <li>{t('fields_wrong', { count: fieldCount })}</li>}
      </ul>
    </div>
  );
}

interface BaseProps {
  label: string;
  /** Form field name: what the API calls it, so a refusal naming it lands here. */
  name: string;
  error?: FieldError | undefined;
  hint?: string;
  required?: boolean;
}

/**
 * A field's label, with the required mark beside it rather than in it, so
 * the field's accessible name is the label alone (`required` says the rest).
 */
function FieldLabel(props: { id: string; label: string; required?: boolean | undefined }) {
  return (
    <span class="field-label">
      <label for={props.id}>{props.label}</label>
      {props.required && <span aria-hidden="true"> *</span>}
    </span>
  );
}

/** Ids and aria attributes that tie a field to its hint and error. */
function useDescribed(props: BaseProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  const after = (
    <>
      {props.hint && (
        <span id={hintId} class="hint">
          {props.hint}
        </span>
      )}
      {props.error && (
        <span id={errorId} class="field-error">
          {props.error.text}
          {/* The pages' own "required" has no code to quote; the API's codes are shown. */}
          {props.error.code.startsWith('SKOLNET_') && (
            <>
              {' '}
              <code>{props.error.code}</code>
            </>
          )}
        </span>
      )}
    </>
  );
  return {
    id,
    after,
    aria: {
      'aria-describedby': describedBy === '' ? undefined : describedBy,
      'aria-invalid': props.error ? ('true' as const) : undefined,
    },
  };
}

/** A labelled text, date, number or month input whose error is tied to it. */
export function Input(
  props: BaseProps & {
    value: string;
    onInput(value: string): void;
    type?: 'text' | 'date' | 'month' | 'number';
    inputMode?: 'numeric' | 'decimal' | 'text';
    step?: string;
    min?: string;
    autocomplete?: string;
  },
) {
  const { id, after, aria } = useDescribed(props);
  const attrs = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    inputMode: props.inputMode,
    autocomplete: props.autocomplete ?? 'off',
    onInput: (e: TargetedEvent<HTMLInputElement>) => props.onInput(e.currentTarget.value),
    ...aria,
  };
  // One element per kind: preact types each input kind's attributes apart.
  const input =
    props.type === 'date' ? (
      <input type="date" {...attrs} />
    ) : props.type === 'month' ? (
      <input type="month" {...attrs} />
    ) : props.type === 'number' ? (
      <input type="number" step={props.step} min={props.min} {...attrs} />
    ) : (
      <input type="text" {...attrs} />
    );
  return (
    <div class="field">
      <FieldLabel id={id} label={props.label} required={props.required} />
      {input}
      {after}
    </div>
  );
}

/** A labelled multi-line text input. */
export function TextArea(props: BaseProps & { value: string; onInput(value: string): void }) {
  const { id, after, aria } = useDescribed(props);
  return (
    <div class="field">
      <FieldLabel id={id} label={props.label} required={props.required} />
      <textarea
        id={id}
        name={props.name}
        rows={3}
        value={props.value}
        required={props.required}
        onInput={(e: TargetedEvent<HTMLTextAreaElement>) => props.onInput(e.currentTarget.value)}
        {...aria}
      />
      {after}
    </div>
  );
}

/** A labelled drop-down whose error is tied to it. */
export function Select(
  props: BaseProps & {
    value: string;
    options: readonly { value: string; label: string }[];
    onChange(value: string): void;
    /** Label of an empty first choice ("choose ..."); without it there is none. */
    emptyLabel?: string;
  },
) {
  const { id, after, aria } = useDescribed(props);
  return (
    <div class="field">
      <FieldLabel id={id} label={props.label} required={props.required} />
      <select
        id={id}
        name={props.name}
        value={props.value}
        required={props.required}
        onChange={(e: TargetedEvent<HTMLSelectElement>) => props.onChange(e.currentTarget.value)}
        {...aria}
      >
        {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {after}
    </div>
  );
}

/** A labelled check box. */
export function Checkbox(props: BaseProps & { checked: boolean; onChange(checked: boolean): void }) {
  const { id, after, aria } = useDescribed(props);
  return (
    <div class="field field-check">
      <span>
        <input
          id={id}
          name={props.name}
          type="checkbox"
          checked={props.checked}
          onChange={(e: TargetedEvent<HTMLInputElement>) => props.onChange(e.currentTarget.checked)}
          {...aria}
        />{' '}
        <label for={id}>{props.label}</label>
      </span>
      {after}
    </div>
  );
}

/**
 * A form with its refusal summary: the summary is the form's description
 * (`aria-describedby`), so assistive technology reads why it was refused.
 */
export function Form(props: {
  label: string;
  submission: Submission;
  submitLabel: string;
  onSubmit(): void;
  children: ComponentChildren;
}) {
  const id = useId();
  const t = useMessages(messages);
  return (
    <form
      class="support-form"
      aria-label={props.label}
      aria-describedby={`${id}-failure`}
      noValidate
      onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
      <FailureSummary id={`${id}-failure`} failure={props.submission.failure} />
      <p>
        <button type="submit" class="primary" disabled={props.submission.busy}>
          {props.submitLabel}
        </button>{' '}
        <span class="hint">{t('required_note')}</span>
      </p>
    </form>
  );
}

/**
 * A wide table's scroll box that a keyboard can reach (WCAG 2.1.1): a
 * labelled region in the tab order, which scrolls instead of the table's
 * own box, so a table of many columns on a phone is read with the arrow keys.
 */
export function ScrollRegion(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll-region" role="region" aria-label={props.label} tabIndex={0}>
      {props.children}
    </div>
  );
}
