import { describe, expect, it } from 'vitest';
import { safeNext } from './pages/sign-in/SignInPage.js';
import { matchPath, pathFor } from './router.js';

describe('matchPath', () => {
  it('matches fixed paths and decodes parameters', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/plan', '/plan/')).toEqual({});
    expect(matchPath('/schools/:id', '/schools/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath('/schools/:id', '/schools')).toBeUndefined();
    expect(matchPath('/schools/:id', '/plan/x')).toBeUndefined();
  });

  it('refuses a parameter that is not valid percent-encoding instead of throwing', () => {
    expect(matchPath('/schools/:id', '/schools/%E0%A4%A')).toBeUndefined();
  });

  it('fills parameters encoded', () => {
    expect(pathFor('/schools/:id', { id: 'a/b' })).toBe('/schools/a%2Fb');
  });
});

describe('safeNext', () => {
  it('keeps paths of this site and refuses anything that leaves it', () => {
    expect(safeNext('/plan?budget=5')).toBe('/plan?budget=5');
    expect(safeNext('//evil.example/')).toBeUndefined();
    expect(safeNext('/\\evil.example')).toBeUndefined();
    expect(safeNext('https://evil.example/')).toBeUndefined();
    expect(safeNext(null)).toBeUndefined();
  });
});
