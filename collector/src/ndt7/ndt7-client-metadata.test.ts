import { describe, expect, it } from 'vitest';
import {
  NDT7_MAX_METADATA_ENTRIES,
  NDT7_MAX_METADATA_NAME_CHARS,
  NDT7_MAX_METADATA_VALUE_CHARS,
  NDT7_MAX_QUERY_BYTES,
  parseNdt7Query,
} from './ndt7-client-metadata.js';

describe('parseNdt7Query', () => {
  it('reads the query ndt7-js sends (synthetic, in the shape of ndt7-js 0.1.4)', () => {
    const q = parseNdt7Query(
      'client_name=skolnet+page&client_version=2.1.0&client_library_name=ndt7-js&client_library_version=0.1.4',
    );
    expect(q).toEqual({
      ok: true,
      metadata: {
        client_name: 'skolnet page',
        client_version: '2.1.0',
        client_library_name: 'ndt7-js',
        client_library_version: '0.1.4',
      },
      dropped: 0,
    });
  });

  it('keeps the first of duplicate names, gives a bare name the empty value, ignores server_ names', () => {
    const q = parseNdt7Query('a=1&a=2&bare&server_uuid=x&&b=%C4%81');
    expect(q).toEqual({ ok: true, metadata: { a: '1', bare: '', b: 'ā' }, dropped: 0 });
  });

  it('keeps "__proto__" as plain data', () => {
    const q = parseNdt7Query('__proto__=x');
    expect(q.ok && Object.getPrototypeOf(q.metadata)).toBe(Object.prototype);
    expect(q.ok && Object.keys(q.metadata)).toEqual(['__proto__']);
  });

  it('bounds what is kept: entries, name and value length', () => {
    const many = Array.from({ length: NDT7_MAX_METADATA_ENTRIES + 3 }, (_, i) => `k${i}=v`).join('&');
    const q = parseNdt7Query(many);
    expect(q.ok && Object.keys(q.metadata)).toHaveLength(NDT7_MAX_METADATA_ENTRIES);
    expect(q.ok && q.dropped).toBe(3);
    const long = parseNdt7Query(`${'n'.repeat(100)}=${'é'.repeat(400)}`);
    const [name, value] = long.ok ? Object.entries(long.metadata)[0]! : ['', ''];
    expect([...name].length).toBe(NDT7_MAX_METADATA_NAME_CHARS + 1);
    expect([...value]).toHaveLength(NDT7_MAX_METADATA_VALUE_CHARS + 1);
    expect(value.endsWith('…')).toBe(true);
  });

  it('refuses a query over the limit with 414 and one that does not decode with 400', () => {
    expect(parseNdt7Query('a='.padEnd(NDT7_MAX_QUERY_BYTES, 'x')).ok).toBe(true);
    expect(parseNdt7Query('a='.padEnd(NDT7_MAX_QUERY_BYTES + 1, 'x'))).toMatchObject({
      ok: false,
      status: 414,
    });
    expect(parseNdt7Query('a=%')).toMatchObject({ ok: false, status: 400 });
    // A lone continuation byte is not UTF-8.
    expect(parseNdt7Query('a=%80')).toMatchObject({ ok: false, status: 400 });
  });
});
