/**
 * The rules a school's register fields keep (migration 0007-school-register):
 * the municipality is one of Latvia's 42, the coordinates lie in Latvia,
 * the registration number has the register's form. Pure: a broken rule is
 * a value with a stable code and lv/en text, never an exception, so the
 * same rules answer an API request and every row of an import's dry run.
 */
import type { SchoolType } from '@skolnet/shared';
import { findMunicipality, mergedInto } from './municipalities.js';

/**
 * Latvia's extent in WGS84 degrees with a margin of about 5 km: the
 * country spans 55.67-58.09 °N and 20.97-28.24 °E (Natural Earth's
 * outline, checked in register-rules.test.ts against the world-atlas
 * package). A coordinate outside is a typo or swapped lat/lon, not a school.
 */
export const LATVIA_BOUNDS = { south: 55.6, north: 58.15, west: 20.9, east: 28.3 } as const;

/**
 * A registration number of the national register of education
 * institutions (Izglītības iestāžu reģistrs): ten digits, as the register
 * issues them (e.g. 4313900251).
 */
export const REGISTRATION_NUMBER = /^[0-9]{10}$/;

/** Register categories with their lv/en names and the register's own wording ("iestādes veids"). */
export const SCHOOL_TYPES: Readonly<Record<SchoolType, { lv: string; en: string; register: string }>> = {
  general: {
    lv: 'Vispārējās izglītības iestāde',
    en: 'General education',
    register: 'Vispārējās izglītības iestāde',
  },
  special: {
    lv: 'Speciālās izglītības iestāde',
    en: 'Special education',
    register: 'Speciālās izglītības iestāde',
  },
  vocational: {
    lv: 'Profesionālās izglītības iestāde',
    en: 'Vocational education',
    register: 'Profesionālās pamata un vidējās izglītības iestāde',
  },
  preschool: {
    lv: 'Pirmsskolas izglītības iestāde',
    en: 'Pre-school education',
    register: 'Pirmsskolas izglītības iestāde',
  },
};

/** Stable codes of broken register rules. Branch on these, never on the text. */
export const RegisterProblemCodes = {
  MUNICIPALITY_UNKNOWN: 'SKOLNET_REGISTER_MUNICIPALITY_UNKNOWN',
  MUNICIPALITY_MERGED: 'SKOLNET_REGISTER_MUNICIPALITY_MERGED',
  COORDINATES_OUTSIDE_LATVIA: 'SKOLNET_REGISTER_COORDINATES_OUTSIDE_LATVIA',
  COORDINATES_INCOMPLETE: 'SKOLNET_REGISTER_COORDINATES_INCOMPLETE',
  NUMBER_FORMAT: 'SKOLNET_REGISTER_NUMBER_FORMAT',
  SCHOOL_TYPE_UNKNOWN: 'SKOLNET_REGISTER_SCHOOL_TYPE_UNKNOWN',
} as const;
/** A register rule's code. */
export type RegisterProblemCode = (typeof RegisterProblemCodes)[keyof typeof RegisterProblemCodes];

/** A broken rule: which field, its stable code, and what to do, in Latvian and English. */
export interface RegisterProblem {
  field: string;
  code: string;
  lv: string;
  en: string;
}

/** The register fields as given (an API body, an import row). */
export interface RegisterFieldsInput {
  municipality: string;
  registration_number?: string | null | undefined;
  lat?: number | null | undefined;
  lon?: number | null | undefined;
}

/** What {@link checkRegisterFields} found: the canonical municipality name when it is known. */
export interface RegisterCheck {
  problems: RegisterProblem[];
  /** The official spelling of the municipality, when it was recognised. */
  municipality: string | undefined;
}

/**
 * Checks the register fields of one school. The municipality is matched
 * without regard to case and spacing and handed back in its official form.
 */
export function checkRegisterFields(input: RegisterFieldsInput): RegisterCheck {
  const problems: RegisterProblem[] = [];
  const found = findMunicipality(input.municipality);
  if (!found) {
    const successor = mergedInto(input.municipality);
    problems.push(
      successor
        ? {
            field: 'municipality',
            code: RegisterProblemCodes.MUNICIPALITY_MERGED,
            lv: `"${input.municipality}" kopš 2025. gada 1. jūlija ir daļa no "${successor}"`,
            en: `"${input.municipality}" has been part of "${successor}" since 1 July 2025`,
          }
        : {
            field: 'municipality',
            code: RegisterProblemCodes.MUNICIPALITY_UNKNOWN,
            lv: `"${input.municipality}" nav neviena no 42 Latvijas pašvaldībām (35 novadi, 7 valstspilsētas)`,
            en: `"${input.municipality}" is none of Latvia's 42 municipalities (35 novadi, 7 state cities)`,
          },
    );
  }
  const number = input.registration_number;
  if (number !== undefined && number !== null && !REGISTRATION_NUMBER.test(number)) {
    problems.push({
      field: 'registration_number',
      code: RegisterProblemCodes.NUMBER_FORMAT,
      lv: `reģistrācijas numuram jābūt 10 cipariem, ir "${number}"`,
      en: `a registration number is 10 digits, got "${number}"`,
    });
  }
  const hasLat = input.lat !== undefined && input.lat !== null;
  const hasLon = input.lon !== undefined && input.lon !== null;
  if (hasLat !== hasLon) {
    problems.push({
      field: hasLat ? 'lon' : 'lat',
      code: RegisterProblemCodes.COORDINATES_INCOMPLETE,
      lv: 'jānorāda abas koordinātas (platums un garums) vai neviena',
      en: 'give both coordinates (lat and lon) or neither',
    });
  } else if (hasLat && hasLon && !insideLatvia(input.lat as number, input.lon as number)) {
    problems.push({
      field: 'lat',
      code: RegisterProblemCodes.COORDINATES_OUTSIDE_LATVIA,
      lv: `${input.lat}, ${input.lon} ir ārpus Latvijas (vai platums un garums samainīti vietām)`,
      en: `${input.lat}, ${input.lon} lies outside Latvia (or lat and lon are swapped)`,
    });
  }
  return { problems, municipality: found?.name };
}

/** Whether a WGS84 point lies inside {@link LATVIA_BOUNDS}. */
export function insideLatvia(lat: number, lon: number): boolean {
  return (
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    lat >= LATVIA_BOUNDS.south &&
    lat <= LATVIA_BOUNDS.north &&
    lon >= LATVIA_BOUNDS.west &&
    lon <= LATVIA_BOUNDS.east
  );
}

/**
 * The school type a register cell names: our code (`general`), its lv or
 * en name, or the register's wording, case ignored; undefined when none.
 */
export function parseSchoolType(text: string): SchoolType | undefined {
  const wanted = text.normalize('NFC').trim().toLocaleLowerCase('lv');
  for (const [code, names] of Object.entries(SCHOOL_TYPES) as [
    SchoolType,
    (typeof SCHOOL_TYPES)[SchoolType],
  ][]) {
    if ([code, names.lv, names.en, names.register].some((n) => n.toLocaleLowerCase('lv') === wanted))
      return code;
  }
  return undefined;
}
