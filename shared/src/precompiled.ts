import { createRequire } from 'node:module';
import type { Static } from '@sinclair/typebox';
import type { PRECOMPILED_SCHEMAS, PrecompiledName } from './check-source.js';
import type * as FullEntry from './index.js';
import * as generated from './checks.generated.js';
import type { ValidationIssue, Validator } from './validation.js';

/**
 * Validators whose checks were generated from the TypeBox schemas at build
 * time (`checks.generated.ts`), so checking a valid value loads no TypeBox.
 * Only a failed check loads the full schemas, to say what is wrong, exactly
 * as `createValidator` would.
 */

const require = createRequire(import.meta.url);
type Full = typeof FullEntry;
let full: Full | undefined;
const explainers = new Map<PrecompiledName, Validator<unknown>>();

/** The issues of a value that failed the generated check of `name`. */
function explain(name: PrecompiledName, value: unknown, maxIssues: number): ValidationIssue[] {
  let explainer = explainers.get(name);
  if (explainer === undefined) {
    try {
      // require() of an ES module: Node 20.19+, 22.12+ and 24 (the engines we
      // support). By package name, so tests running these sources get the
      // built entry, which Node can load.
      full ??= require('@skolnet/shared') as Full;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return [{ path: '/', message: `does not match the ${name} schema (no details: ${why})` }];
    }
    explainer = full.createValidator(full[name]);
    explainers.set(name, explainer);
  }
  const v = explainer.check(value, maxIssues);
  if (v.ok) {
    // Only when checks.generated.ts is older than the schema; a test guards this.
    return [{ path: '/', message: `rejected by the generated ${name} check but valid by the schema` }];
  }
  return v.issues;
}

/** The type of the schema named `K`. */
type Checked<K extends PrecompiledName> = Static<(typeof PRECOMPILED_SCHEMAS)[K]>;

function precompiled<K extends PrecompiledName>(
  name: K,
  fast: (value: unknown) => boolean,
): Validator<Checked<K>> {
  return {
    check(value, maxIssues = 5) {
      if (fast(value)) return { ok: true, value: value as Checked<K> };
      return { ok: false, issues: explain(name, value, maxIssues) };
    },
  };
}

/** Every generated validator, by the name of its schema in PRECOMPILED_SCHEMAS. */
export const precompiledValidators: { readonly [K in PrecompiledName]: Validator<Checked<K>> } = {
  Measurement: precompiled('Measurement', generated.checkMeasurement),
  Result: precompiled('Result', generated.checkResult),
  Timetable: precompiled('Timetable', generated.checkTimetable),
  ConfigPush: precompiled('ConfigPush', generated.checkConfigPush),
  CollectorMessage: precompiled('CollectorMessage', generated.checkCollectorMessage),
  UploadReport: precompiled('UploadReport', generated.checkUploadReport),
  EnrollRequest: precompiled('EnrollRequest', generated.checkEnrollRequest),
  EnrollResponse: precompiled('EnrollResponse', generated.checkEnrollResponse),
};

/** Checks a measurement as a probe reports it. */
export const measurementValidator = precompiledValidators.Measurement;
/** Checks a stored result. */
export const resultValidator = precompiledValidators.Result;
/** Checks a school timetable. */
export const timetableValidator = precompiledValidators.Timetable;
/** Checks a pushed configuration. */
export const configPushValidator = precompiledValidators.ConfigPush;
/** Checks any message the collector sends an agent. */
export const collectorMessageValidator = precompiledValidators.CollectorMessage;
/** Checks the collector's answer to a speed-test upload. */
export const uploadReportValidator = precompiledValidators.UploadReport;
/** Checks an enrollment request. */
export const enrollRequestValidator = precompiledValidators.EnrollRequest;
/** Checks the collector's answer to an enrollment. */
export const enrollResponseValidator = precompiledValidators.EnrollResponse;
