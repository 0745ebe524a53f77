import { describe, expect, it } from 'vitest';
import {
  RegisterProblemCodes,
  checkRegisterFields,
  insideLatvia,
  parseSchoolType,
} from './register-rules.js';

const codes = (input: Parameters<typeof checkRegisterFields>[0]): string[] =>
  checkRegisterFields(input).problems.map((p) => p.code);

describe('school register rules', () => {
  it('accepts a complete row and hands back the official municipality name', () => {
    const check = checkRegisterFields({
      municipality: 'cēsu novads',
      registration_number: '4313900251',
      lat: 57.31,
      lon: 25.27,
    });
    expect(check).toEqual({ problems: [], municipality: 'Cēsu novads' });
  });

  it('accepts a row without any of the optional fields', () => {
    expect(codes({ municipality: 'Rīga' })).toEqual([]);
    expect(codes({ municipality: 'Rīga', registration_number: null, lat: null, lon: null })).toEqual([]);
  });

  it('names an unknown and a merged municipality differently', () => {
    expect(codes({ municipality: 'Vik' })).toEqual([RegisterProblemCodes.MUNICIPALITY_UNKNOWN]);
    const merged = checkRegisterFields({ municipality: 'Varakļānu novads' }).problems;
    expect(merged.map((p) => p.code)).toEqual([RegisterProblemCodes.MUNICIPALITY_MERGED]);
    expect(merged[0]?.en).toContain('Madonas novads');
    expect(merged[0]?.lv).toContain('Madonas novads');
  });

  it('refuses coordinates outside Latvia, swapped, half given or not finite', () => {
    // Rīga with lat and lon swapped.
    expect(codes({ municipality: 'Rīga', lat: 24.1, lon: 56.95 })).toEqual([
      RegisterProblemCodes.COORDINATES_OUTSIDE_LATVIA,
    ]);
    // Tallinn and Vilnius.
    expect(insideLatvia(59.44, 24.75)).toBe(false);
    expect(insideLatvia(54.69, 25.28)).toBe(false);
    expect(insideLatvia(Number.NaN, 24)).toBe(false);
    expect(codes({ municipality: 'Rīga', lat: 56.95 })).toEqual([
      RegisterProblemCodes.COORDINATES_INCOMPLETE,
    ]);
    expect(codes({ municipality: 'Rīga', lon: 24.1 })).toEqual([RegisterProblemCodes.COORDINATES_INCOMPLETE]);
  });

  it('refuses a registration number that is not ten digits', () => {
    for (const bad of ['431390025', '43139002511', '431390025A', ' 4313900251', '4313-900251']) {
      expect(codes({ municipality: 'Rīga', registration_number: bad })).toEqual([
        RegisterProblemCodes.NUMBER_FORMAT,
      ]);
    }
  });

  it('reports every broken rule of a row, not just the first', () => {
    expect(codes({ municipality: 'Nowhere', registration_number: 'x', lat: 0, lon: 0 })).toEqual([
      RegisterProblemCodes.MUNICIPALITY_UNKNOWN,
      RegisterProblemCodes.NUMBER_FORMAT,
      RegisterProblemCodes.COORDINATES_OUTSIDE_LATVIA,
    ]);
  });

  it('reads a school type from its code, lv or en name, or the register’s wording', () => {
    expect(parseSchoolType('general')).toBe('general');
    expect(parseSchoolType(' VISPĀRĒJĀS izglītības iestāde ')).toBe('general');
    expect(parseSchoolType('Profesionālās pamata un vidējās izglītības iestāde')).toBe('vocational');
    expect(parseSchoolType('Special education')).toBe('special');
    expect(parseSchoolType('Pirmsskolas izglītības iestāde')).toBe('preschool');
    expect(parseSchoolType('Augstākās izglītības iestāde')).toBeUndefined();
  });
});
