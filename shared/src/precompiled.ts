import { createRequire } from 'node:module';
import type { PrecompiledName } from './check-source.js';
import type * as FullEntry from './index.js';
import * as generated from './checks.generated.js';
import type {
  EnrollRequest,
  EnrollResponse,
  CollectorMessage,
  ConfigPush,
  Timetable,
  UploadReport,
} from './protocol.js';
import type { Measurement, Result } from './result.js';
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

function precompiled<T>(name: PrecompiledName, fast: (value: unknown) => boolean): Validator<T> {
  return {
    check(value, maxIssues = 5) {
      if (fast(value)) return { ok: true, value: value as T };
      return { ok: false, issues: explain(name, value, maxIssues) };
    },
  };
}

/** Checks a {@link Measurement}. */
export const measurementValidator = precompiled<Measurement>('Measurement', generated.checkMeasurement);
/** Checks a {@link Result}. */
export const resultValidator = precompiled<Result>('Result', generated.checkResult);
/** Checks a {@link Timetable}. */
export const timetableValidator = precompiled<Timetable>('Timetable', generated.checkTimetable);
/** Checks a {@link ConfigPush}. */
export const configPushValidator = precompiled<ConfigPush>('ConfigPush', generated.checkConfigPush);
/** Checks a {@link CollectorMessage}. */
export const collectorMessageValidator = precompiled<CollectorMessage>(
  'CollectorMessage',
  generated.checkCollectorMessage,
);
/** Checks an {@link UploadReport}. */
export const uploadReportValidator = precompiled<UploadReport>('UploadReport', generated.checkUploadReport);
/** Checks an {@link EnrollRequest}. */
export const enrollRequestValidator = precompiled<EnrollRequest>(
  'EnrollRequest',
  generated.checkEnrollRequest,
);
/** Checks an {@link EnrollResponse}. */
export const enrollResponseValidator = precompiled<EnrollResponse>(
  'EnrollResponse',
  generated.checkEnrollResponse,
);
