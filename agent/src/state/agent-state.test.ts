import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { AgentState, resolveStateDir, type Credentials } from './agent-state.js';

const creds: Credentials = {
  collector_url: 'http://127.0.0.1:8080',
  agent_id: 'agent-1',
  school_id: 'school-1',
  secret: 's'.repeat(32),
  enrolled_at: '2026-01-05T10:00:00.000Z',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveStateDir', () => {
  it('prefers the flag, then the environment variable', () => {
    expect(resolveStateDir({ flag: '/x', env: { SKOLNET_AGENT_STATE: '/y' } })).toBe('/x');
    expect(resolveStateDir({ env: { SKOLNET_AGENT_STATE: '/y' } })).toBe('/y');
  });

  it('follows each platform convention', () => {
    expect(resolveStateDir({ env: {}, platform: 'linux', homedir: '/home/a' })).toBe(
      '/home/a/.local/state/skolnet-agent',
    );
    expect(resolveStateDir({ env: { XDG_STATE_HOME: '/xdg' }, platform: 'linux', homedir: '/home/a' })).toBe(
      '/xdg/skolnet-agent',
    );
    expect(resolveStateDir({ env: { XDG_STATE_HOME: 'rel' }, platform: 'linux', homedir: '/home/a' })).toBe(
      '/home/a/.local/state/skolnet-agent',
    );
    expect(resolveStateDir({ env: {}, platform: 'darwin', homedir: '/Users/a' })).toBe(
      '/Users/a/Library/Application Support/skolnet-agent',
    );
    expect(
      resolveStateDir({ env: { LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, platform: 'win32' }),
    ).toBe('C:\\Users\\a\\AppData\\Local\\skolnet-agent');
  });
});

describe('AgentState credentials', () => {
  it('round-trips, with mode 0600 and no temporary file left', () => {
    const state = new AgentState(join(dir, 'nested', 'state'));
    state.writeCredentials(creds);
    expect(state.readCredentials()).toEqual(creds);
    expect(statSync(state.credentialsFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(state.dir)).toEqual(['credentials.json']);
  });

  it('says "not enrolled" when there are none', () => {
    expect(() => new AgentState(dir).readCredentials()).toThrow(
      expect.objectContaining({ code: ErrorCodes.ENROLL_MISSING }),
    );
  });

  it.each([
    ['not JSON', '{ nope'],
    ['a missing key', JSON.stringify({ ...creds, secret: undefined })],
    ['a short secret', JSON.stringify({ ...creds, secret: 'short' })],
    ['a bad URL', JSON.stringify({ ...creds, collector_url: 'ftp://x' })],
    ['an unknown key', JSON.stringify({ ...creds, extra: 1 })],
  ])('rejects %s, naming the file', (_name, text) => {
    const state = new AgentState(dir);
    writeFileSync(state.credentialsFile, text);
    expect(() => state.readCredentials()).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG_INVALID,
        message: expect.stringContaining(state.credentialsFile),
      }),
    );
  });
});

describe('AgentState config', () => {
  it('stores a pushed config and reads it back', () => {
    const state = new AgentState(dir);
    expect(state.readConfig()).toBeUndefined();
    const push = { type: 'config' as const, version: 3, config: { probes: { latency: { interval_s: 60 } } } };
    state.writeConfig(push);
    expect(state.readConfig()).toEqual(push);
  });
});
