import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import {
  AGENT_ROLES,
  type ConfigPush,
  ErrorCodes,
  type AgentRole,
  SkolnetError,
  configPushValidator,
  describeError,
  formatIssues,
} from '@skolnet/shared/core';

/** Environment variable that names the state directory when `--state` is not given. */
export const STATE_DIR_ENV = 'SKOLNET_AGENT_STATE';

/** Folder name of the state directory inside the platform's per-user state location. */
const STATE_DIR_NAME = 'skolnet-agent';

/** Owner read/write only: the file holds the agent's secret. */
const SECRET_FILE_MODE = 0o600;
/** Owner only: the directory holds the secret and the outbox. */
const STATE_DIR_MODE = 0o700;

/** What `enroll` stores and `run` needs to connect. */
export interface Credentials {
  /** Base URL of the collector the agent enrolled with. */
  collector_url: string;
  agent_id: string;
  school_id: string;
  /** Shared secret proving the agent's identity in `hello`. Never logged. */
  secret: string;
  /** When the agent enrolled, RFC 3339. */
  enrolled_at: string;
  /** The role given at enrollment; absent in credentials written before roles existed. */
  role?: AgentRole;
  /**
   * Random key of the hostname pseudonym an `issued_laptop` reports
   * (base64url). Kept here so the pseudonym stays the same across runs.
   */
  host_key?: string;
}

/** Where to look for the state directory; every field defaults to this process's. */
export interface StateDirSource {
  /** `--state DIR` from the command line. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}

/**
 * Resolves the agent's state directory: `--state`, then `SKOLNET_AGENT_STATE`,
 * then the platform's per-user state location (XDG Base Directory spec on
 * Linux, Application Support on macOS, `%LOCALAPPDATA%` on Windows).
 */
export function resolveStateDir(source: StateDirSource = {}): string {
  const env = source.env ?? process.env;
  if (source.flag) return source.flag;
  const fromEnv = env[STATE_DIR_ENV];
  if (fromEnv) return fromEnv;
  const platform = source.platform ?? process.platform;
  const home = source.homedir ?? osHomedir();
  switch (platform) {
    case 'win32':
      return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), STATE_DIR_NAME);
    case 'darwin':
      return posix.join(home, 'Library', 'Application Support', STATE_DIR_NAME);
    default: {
      // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
      const xdg = env.XDG_STATE_HOME;
      const base = xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, '.local', 'state');
      return posix.join(base, STATE_DIR_NAME);
    }
  }
}

/**
 * The agent's state directory: credentials, the last pushed configuration
 * and the outbox file. Files are replaced atomically (write a temporary
 * file, fsync, rename) so a crash leaves either the old or the new file.
 */
export class AgentState {
  /** The state directory. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of the credentials file. */
  get credentialsFile(): string {
    return join(this.dir, 'credentials.json');
  }

  /** Path of the last configuration the collector pushed. */
  get configFile(): string {
    return join(this.dir, 'config.json');
  }

  /** Path of the monthly data budget's accounting. */
  get budgetFile(): string {
    return join(this.dir, 'budget.json');
  }

  /** Path of the status file the running agent keeps current for `skolnet-agent status`. */
  get statusFile(): string {
    return join(this.dir, 'status.json');
  }

  /** Path of the outbox SQLite file. */
  get outboxFile(): string {
    return join(this.dir, 'outbox.sqlite');
  }

  /** Creates the directory (owner-only) when missing. */
  ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: STATE_DIR_MODE });
    } catch (err) {
      throw new SkolnetError(
        ErrorCodes.STATE_FAILED,
        `cannot create state directory ${this.dir}: ${describeError(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Reads and validates the credentials.
   * @throws SkolnetError `SKOLNET_ENROLL_MISSING` when there are none,
   *   `SKOLNET_CONFIG_INVALID` naming the file when they are unreadable or broken.
   */
  readCredentials(): Credentials {
    const file = this.credentialsFile;
    const text = readOptional(file);
    if (text === undefined) {
      throw new SkolnetError(ErrorCodes.ENROLL_MISSING, `not enrolled: no credentials in ${this.dir}`);
    }
    const parsed = parseJson(text, `credentials file ${file}`);
    const problem = credentialsProblem(parsed);
    if (problem) {
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `credentials file ${file} is broken: ${problem}; re-enroll`,
      );
    }
    return parsed as Credentials;
  }

  /** Writes the credentials atomically with mode 0600. */
  writeCredentials(credentials: Credentials): void {
    const problem = credentialsProblem(credentials);
    if (problem)
      throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `refusing to store broken credentials: ${problem}`);
    this.ensureDir();
    writeFileAtomic(this.credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, SECRET_FILE_MODE);
  }

  /**
   * Changes some fields of the stored credentials (a new school after a
   * move, a new secret after a rotation) and writes them back atomically.
   * Returns the credentials as now stored.
   */
  updateCredentials(change: Partial<Pick<Credentials, 'school_id' | 'secret'>>): Credentials {
    const next = { ...this.readCredentials(), ...change };
    this.writeCredentials(next);
    return next;
  }

  /**
   * The last configuration the collector pushed, or undefined when none
   * was stored. A broken file is reported, not fatal: the agent then runs
   * on defaults until the collector pushes again.
   */
  readConfig(): ConfigPush | undefined {
    const file = this.configFile;
    const text = readOptional(file);
    if (text === undefined) return undefined;
    const parsed = parseJson(text, `config file ${file}`);
    const v = configPushValidator.check(parsed);
    if (!v.ok)
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `config file ${file} is broken: ${formatIssues(v.issues)}`,
      );
    return v.value;
  }

  /** Stores a pushed configuration atomically. */
  writeConfig(push: ConfigPush): void {
    this.ensureDir();
    writeFileAtomic(this.configFile, `${JSON.stringify(push, null, 2)}\n`, SECRET_FILE_MODE);
  }
}

/** Builds the state of the directory `resolveStateDir(source)` names. */
export function createAgentState(source: StateDirSource = {}): AgentState {
  return new AgentState(resolveStateDir(source));
}

const CREDENTIAL_KEYS = ['collector_url', 'agent_id', 'school_id', 'secret', 'enrolled_at'] as const;
const OPTIONAL_CREDENTIAL_KEYS = ['role', 'host_key'] as const;
/** Hello accepts 16..256 characters of secret; anything else can never authenticate. */
const SECRET_MIN_CHARS = 16;
const SECRET_MAX_CHARS = 256;
/** Ids are 1..64 characters on the wire (shared protocol `Id`). */
const ID_MAX_CHARS = 64;

/** What is wrong with `value` as credentials, or undefined when nothing is. */
function credentialsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const rec = value as Record<string, unknown>;
  for (const key of CREDENTIAL_KEYS) {
    if (typeof rec[key] !== 'string' || rec[key] === '') return `"${key}" must be a non-empty string`;
  }
  const known: readonly string[] = [...CREDENTIAL_KEYS, ...OPTIONAL_CREDENTIAL_KEYS];
  const extra = Object.keys(rec).filter((k) => !known.includes(k));
  if (extra.length > 0) return `unknown key "${extra[0]}"`;
  if (rec.role !== undefined && !(AGENT_ROLES as readonly unknown[]).includes(rec.role)) {
    return `"role" must be one of ${AGENT_ROLES.join(', ')}`;
  }
  if (rec.host_key !== undefined && (typeof rec.host_key !== 'string' || rec.host_key.length < 16)) {
    return `"host_key" must be a string of at least 16 characters`;
  }
  const c = rec as unknown as Credentials;
  if (c.agent_id.length > ID_MAX_CHARS) return `"agent_id" is longer than ${ID_MAX_CHARS} characters`;
  if (c.school_id.length > ID_MAX_CHARS) return `"school_id" is longer than ${ID_MAX_CHARS} characters`;
  if (c.secret.length < SECRET_MIN_CHARS || c.secret.length > SECRET_MAX_CHARS) {
    return `"secret" must be ${SECRET_MIN_CHARS}..${SECRET_MAX_CHARS} characters`;
  }
  let url: URL;
  try {
    url = new URL(c.collector_url);
  } catch {
    return `"collector_url" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"collector_url" must be http or https`;
  if (Number.isNaN(Date.parse(c.enrolled_at))) return `"enrolled_at" is not a date`;
  return undefined;
}

/** Parses JSON read from a state file; `what` names the file in the error. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${what} is not valid JSON: ${describeError(err)}`);
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkolnetError(ErrorCodes.STATE_FAILED, `cannot read ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/**
 * Replaces `file` atomically: temporary file in the same directory, fsync, rename.
 * @throws SkolnetError `SKOLNET_STATE_FAILED` naming the file
 */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // `mode` applies only at creation, hence the explicit chmod for umasks that strip bits.
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new SkolnetError(ErrorCodes.STATE_FAILED, `cannot write ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
}
