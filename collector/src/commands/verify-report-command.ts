import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import {
  parseSignature,
  splitEmbedded,
  verifyReport,
  type ReportSignature,
} from '../acceptance/report-signature.js';
import { REPORT_KEY_FILE, REPORT_KEY_PATH } from '../security/report-key.js';

/** Where `verify-report` writes. */
export interface VerifyReportIo {
  out: (line: string) => void;
}

/** Options of `verify-report`. */
export interface VerifyReportOptions {
  key?: string;
  collector?: string;
  signature?: string;
  data: string;
}

const badArgument = (message: string, cause?: unknown): SkolnetError =>
  new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, message, cause === undefined ? {} : { cause });

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw badArgument(`cannot read the ${what} ${path}: ${(err as Error).message}`, err);
  }
}

/** A public key from PEM text or the JSON the well-known URL serves. */
export function publicKeyFrom(text: string, where: string): KeyObject {
  let pem = text;
  if (text.trimStart().startsWith('{')) {
    try {
      const value = (JSON.parse(text) as { public_key_pem?: unknown }).public_key_pem;
      pem = typeof value === 'string' ? value : '';
    } catch (err) {
      throw badArgument(`${where}: neither a PEM public key nor the collector's key JSON`, err);
    }
  }
  try {
    const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw badArgument(`${where}: not an Ed25519 public key (${(err as Error).message})`, err);
  }
}

async function keyFor(opts: VerifyReportOptions): Promise<{ key: KeyObject; from: string }> {
  if (opts.key !== undefined) {
    return { key: publicKeyFrom(readFile(opts.key, 'key file').toString('utf8'), opts.key), from: opts.key };
  }
  if (opts.collector !== undefined) {
    let url: URL;
    try {
      url = new URL(REPORT_KEY_PATH, opts.collector);
    } catch (err) {
      throw badArgument(`--collector ${opts.collector}: not a URL`, err);
    }
    let text: string;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (err) {
      throw new SkolnetError(
        ErrorCodes.NET_UNREACHABLE,
        `cannot fetch ${url.href}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return { key: publicKeyFrom(text, url.href), from: url.href };
  }
  const path = join(resolve(opts.data), REPORT_KEY_FILE);
  if (!existsSync(path)) {
    throw badArgument(
      `no key to check against: give --key FILE (the collector's public key), --collector URL, or --data DIR of the collector that signed (${path} does not exist)`,
    );
  }
  return { key: publicKeyFrom(readFile(path, 'key file').toString('utf8'), path), from: path };
}

/**
 * Checks a report file: its embedded signature (HTML) or a detached one
 * (`--signature`, else FILE.sig beside it). Prints what it found; any
 * changed byte, another key or no signature throws
 * `SKOLNET_REPORT_SIGNATURE_INVALID`, which exits 1.
 */
export async function verifyReportFile(
  file: string,
  opts: VerifyReportOptions,
  io: VerifyReportIo,
): Promise<void> {
  const bytes = readFile(file, 'report');
  let detached: ReportSignature | undefined;
  const sigPath = opts.signature ?? (splitEmbedded(bytes).signature ? undefined : `${file}.sig`);
  if (sigPath !== undefined && (opts.signature !== undefined || existsSync(sigPath))) {
    detached = parseSignature(readFile(sigPath, 'signature').toString('utf8'));
    if (!detached) throw badArgument(`${sigPath}: not a skolnet report signature`);
  }
  const { key, from } = await keyFor(opts);
  const outcome = verifyReport(bytes, key, detached);
  if (!outcome.ok) {
    throw new SkolnetError(ErrorCodes.REPORT_SIGNATURE_INVALID, `${file}: ${outcome.message}`);
  }
  io.out(
    `${file}: signature good (Ed25519, key ${outcome.key_id} from ${from}, ${detached ? 'detached' : 'embedded'} signature)`,
  );
}

/** The `verify-report` command. */
export function createVerifyReportCommand(io: VerifyReportIo): Command {
  return new Command('verify-report')
    .description('check an acceptance report (HTML or PDF) against the collector key; exits 1 on any change')
    .argument('<file>', 'the report: an HTML file with its embedded signature, or any report with FILE.sig')
    .option(
      '--key <file>',
      "the collector's public key (PEM, or the JSON of /.well-known/skolnet-report-key)",
    )
    .option('--collector <url>', 'fetch the public key from this collector')
    .option('--signature <file>', 'a detached signature (default: FILE.sig when the report embeds none)')
    .option('--data <dir>', "the signing collector's data directory (its key is read there)", './data')
    .action(async (file: string, opts: VerifyReportOptions) => verifyReportFile(file, opts, io));
}
