import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where a secret turned up, and which one (by its label, never its value). */
export interface SecretFinding {
  where: string;
  secret: string;
}

/**
 * Prefix of a person's API token (`skolnet_ut_…`): any such string in a
 * log, an error answer or an export is a leak, whether or not the test
 * knows the token.
 */
const API_TOKEN_PATTERN = /skolnet_ut_[A-Za-z0-9_-]{8,}/;

/** Shortest value searched for: shorter ones would match by chance. */
const MIN_SECRET_CHARS = 8;

/**
 * Collects the secrets a test made (agent secrets, passwords, session
 * cookies, API tokens, enrollment codes) and the outputs it saw (process
 * logs, error answers, exported files), and lists every output that holds
 * a secret. Values are never part of a finding, so a failing test does not
 * print them either.
 */
export class SecretSearch {
  readonly #secrets = new Map<string, string>();
  readonly #outputs: { where: string; text: string }[] = [];

  /** A secret to look for, under a label that names its kind. */
  secret(label: string, value: string | undefined): this {
    if (value !== undefined && value.length >= MIN_SECRET_CHARS) this.#secrets.set(value, label);
    return this;
  }

  /** The secret of an agent, read from its state directory's credentials.json. */
  agentSecret(stateDir: string): this {
    const { secret, agent_id } = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8')) as {
      secret: string;
      agent_id: string;
    };
    return this.secret(`agent secret of ${agent_id}`, secret);
  }

  /** An output to search: a log, an answer's body and headers, a status report. */
  output(where: string, text: string): this {
    this.#outputs.push({ where, text });
    return this;
  }

  /** Every file under `dir` (exports, reports) as an output. */
  files(dir: string): this {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) this.files(path);
      else this.output(path, readFileSync(path, 'latin1'));
    }
    return this;
  }

  /** How many secrets and outputs were searched. */
  counts(): { secrets: number; outputs: number; bytes: number } {
    return {
      secrets: this.#secrets.size,
      outputs: this.#outputs.length,
      bytes: this.#outputs.reduce((n, o) => n + o.text.length, 0),
    };
  }

  /** Every place a known secret or an API token appears. */
  findings(): SecretFinding[] {
    const found: SecretFinding[] = [];
    for (const { where, text } of this.#outputs) {
      for (const [value, label] of this.#secrets) {
        if (text.includes(value)) found.push({ where, secret: label });
      }
      if (API_TOKEN_PATTERN.test(text)) found.push({ where, secret: 'an API token (skolnet_ut_…)' });
    }
    return found;
  }
}
