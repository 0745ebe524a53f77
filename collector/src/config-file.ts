import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDocument } from 'yaml';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { redactSecrets } from './storage/database-url.js';

/** Long name of the option that names the file. */
const CONFIG_KEY = 'config';

/**
 * Gives each command in `commands` a `--config <file>` option: a YAML
 * mapping whose keys are the command's long option names (`port`,
 * `database`, `log-level`, …) and whose values are what the command line
 * would take. Precedence is command line > environment > file > default:
 * the file fills an option only where the command line did not set it,
 * and commander's environment variables override it afterwards.
 *
 * Every option of every command is a valid key, so one file serves them
 * all: a command ignores the keys of options only other commands have
 * (`admin-token` skips `port`). A key no command knows, or a value of the
 * wrong type, stops with `SKOLNET_CONFIG_INVALID` naming the key and the
 * file. Values are never repeated in messages (a database URL holds a
 * password), except a rejected choice.
 */
export function addConfigFile(commands: readonly Command[]): void {
  const everyKey = new Set(commands.flatMap((c) => c.options.map(keyOf)).filter((k) => k !== undefined));
  for (const command of commands) {
    command.addOption(
      new Option(
        `--${CONFIG_KEY} <file>`,
        'YAML file of option values, keyed by long option name; command-line options and environment variables override it',
      ),
    );
    // Applied while the command line is parsed, so later command-line
    // options and then environment variables (commander lets both replace
    // a value whose source is "config") win over the file.
    command.on(`option:${CONFIG_KEY}`, (path: string) => {
      applyConfigFile(command, path, everyKey);
    });
  }
}

function keyOf(option: Option): string | undefined {
  return option.long?.replace(/^--/, '');
}

/** Reads a config file as a mapping; throws `SKOLNET_CONFIG_INVALID` naming the file. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : 'unreadable';
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `config file ${path} cannot be read (${reason})`, {
      cause: err,
    });
  }
  // logLevel 'error': the parser's warnings (an unknown tag, say) would go
  // to process warnings on stderr, quoting the line, which may hold a password.
  const doc = parseDocument(text, { uniqueKeys: true, logLevel: 'error' });
  const problem = doc.errors[0];
  if (problem !== undefined) {
    // Only the position: the parser's own message quotes the line, which may hold a password.
    const at = problem.linePos?.[0];
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`;
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `config file ${path} is not valid YAML${where} (${problem.code})`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // An alias without its anchor parses but cannot be resolved (a ReferenceError).
    const reason = err instanceof ReferenceError ? 'an alias without its anchor' : 'unreadable YAML';
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `config file ${path} is not valid YAML (${reason})`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `config file ${path} must be a mapping of option names to values, e.g. "port: 8080"`,
    );
  }
  return value as Record<string, unknown>;
}

function applyConfigFile(command: Command, path: string, everyKey: ReadonlySet<string>): void {
  const values = readConfigFile(path);
  const fail = (key: string, what: string): SkolnetError =>
    new SkolnetError(ErrorCodes.CONFIG_INVALID, `config file ${path}: key "${key}" ${what}`);
  for (const [key, value] of Object.entries(values)) {
    if (key === CONFIG_KEY) throw fail(key, 'cannot name another config file');
    const option = command.options.find((o) => keyOf(o) === key);
    if (option === undefined) {
      if (everyKey.has(key)) continue;
      const known = command.options
        .map(keyOf)
        .filter((k) => k !== undefined && k !== CONFIG_KEY && k !== 'help')
        .join(', ');
      throw fail(key, `is not an option of any command (${command.name()} takes: ${known})`);
    }
    const attribute = option.attributeName();
    // The command line already set it: it wins.
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    command.setOptionValueWithSource(
      attribute,
      optionValue(command, option, value, (what) => fail(key, what)),
      'config',
    );
  }
}

function optionValue(
  command: Command,
  option: Option,
  value: unknown,
  fail: (what: string) => SkolnetError,
): unknown {
  if (value === null || value === undefined) throw fail('has no value');
  const takesArgument = option.required || option.optional;
  if (!takesArgument) {
    if (typeof value !== 'boolean') throw fail(`expects true or false, got ${typeName(value)}`);
    // `--no-x` stores false when given.
    return option.negate ? !value : value;
  }
  const items = option.variadic && Array.isArray(value) ? (value as unknown[]) : [value];
  let current: unknown = option.variadic ? undefined : command.getOptionValue(option.attributeName());
  for (const item of items) {
    const scalar =
      typeof item === 'string' || typeof item === 'number' || (typeof item === 'boolean' && option.optional);
    if (!scalar) {
      throw fail(
        `expects ${option.variadic ? 'a value or a list of values' : 'a single value'}, got ${typeName(item)}`,
      );
    }
    const text = String(item);
    if (option.argChoices !== undefined && !option.argChoices.includes(text)) {
      throw fail(`must be one of ${option.argChoices.join(', ')}, got "${text}"`);
    }
    if (option.parseArg !== undefined) {
      try {
        current = option.parseArg(text, current);
      } catch (err) {
        if (!(err instanceof InvalidArgumentError)) throw err;
        throw fail(redactSecrets(err.message));
      }
    } else {
      current = option.variadic ? [...((current as unknown[] | undefined) ?? []), text] : text;
    }
  }
  return current;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
