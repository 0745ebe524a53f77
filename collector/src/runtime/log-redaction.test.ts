import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createTempStore } from '../testing/fixtures.js';
import { REDACTED, redactQuery } from './log-redaction.js';

describe('redactQuery', () => {
  it('keeps the path and plain parameter names, and redacts every value', () => {
    expect(redactQuery('/api/v1/schools')).toBe('/api/v1/schools');
    expect(redactQuery('/api/v1/schools?')).toBe('/api/v1/schools?');
    expect(redactQuery('/api/v1/speed/download?bytes=1000')).toBe(`/api/v1/speed/download?bytes=${REDACTED}`);
    expect(redactQuery('/x?token=abc&b=')).toBe(`/x?token=${REDACTED}&b=${REDACTED}`);
    // A bare value, or a name that is no plain word, may be the credential itself.
    expect(redactQuery('/x?s3cr3t-t0ken')).toBe(`/x?${REDACTED}`);
    expect(redactQuery('/x?Bearer%20abc=1')).toBe(`/x?${REDACTED}`);
  });
});

describe('request log', () => {
  it('never writes a credential a client put in the query string', async () => {
    const temp = await createTempStore();
    const lines: string[] = [];
    const app = buildApp({
      store: temp.store,
      dashboardAssets: false,
      logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
    });
    const secret = 'query-secret-0123456789';
    try {
      const refused = await app.inject({ method: 'GET', url: `/api/v1/schools/x/agents?token=${secret}` });
      expect(refused.statusCode).toBeGreaterThanOrEqual(400);
      await app.inject({ method: 'GET', url: `/healthz?${secret}` });
      await app.inject({ method: 'GET', url: `/no/such/route?access_token=${secret}` });
      const log = lines.join('');
      // The requests were logged, with their paths.
      expect(log).toContain('/api/v1/schools/x/agents?token=');
      expect(log).toContain('/healthz?');
      expect(log).not.toContain(secret);
    } finally {
      await app.close();
      await temp.cleanup();
    }
  });
});
