import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { addConfigFile, readConfigFile } from './config-file.js';
import { createTempDir } from './testing/fixtures.js';

const ENV = 'SKOLNET_TEST_CONFIG_FILE_LEVEL';

/** A program like the collector's: two commands with some options in common. */
function program(): { root: Command; seen: Record<string, Record<string, unknown>> } {
  const seen: Record<string, Record<string, unknown>> = {};
  const root = new Command().exitOverride();
  root
    .command('serve')
    .option('--host <host>', 'host', '127.0.0.1')
    .option(
      '--port <port>',
      'port',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a port number, got "${v}"`);
        return n;
      },
      8080,
    )
    .option('--verbose', 'talk more')
    .option('--tag <tags...>', 'tags')
    .addOption(new Option('--level <level>', 'level').choices(['info', 'debug']).default('info').env(ENV))
    .option('--database <url>', 'database')
    .action((opts: Record<string, unknown>) => {
      seen['serve'] = opts;
    })
    .exitOverride();
  root
    .command('reset')
    .option('--data <dir>', 'data', './data')
    .action((opts: Record<string, unknown>) => {
      seen['reset'] = opts;
    })
    .exitOverride();
  addConfigFile(root.commands);
  return { root, seen };
}

describe('config files', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let file: string;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    file = join(dir, 'collector.yaml');
    delete process.env[ENV];
  });
  afterEach(async () => {
    delete process.env[ENV];
    await remove();
  });

  const run = async (yaml: string, ...args: string[]): Promise<Record<string, Record<string, unknown>>> => {
    writeFileSync(file, yaml);
    const { root, seen } = program();
    await root.parseAsync(['node', 'x', ...args]);
    return seen;
  };

  const failure = async (yaml: string, ...args: string[]): Promise<Error> => {
    try {
      await run(yaml, ...args);
    } catch (err) {
      expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
      return err as Error;
    }
    throw new Error('no error');
  };

  it('fills options by their long names, through their parsers', async () => {
    const seen = await run(
      'host: 0.0.0.0\nport: 9000\nverbose: true\ntag: [a, b]\nlevel: debug\n',
      'serve',
      '--config',
      file,
    );
    expect(seen['serve']).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      verbose: true,
      tag: ['a', 'b'],
      level: 'debug',
    });
  });

  it('ranks command line over environment over file over default', async () => {
    process.env[ENV] = 'info';
    const seen = await run(
      'port: 9000\nlevel: debug\nhost: h.example\n',
      'serve',
      '--port',
      '9001',
      '--config',
      file,
    );
    // port: command line (even before --config); level: environment; host: file; database: default (none).
    expect(seen['serve']).toMatchObject({ port: 9001, level: 'info', host: 'h.example' });
    expect(seen['serve']?.['database']).toBeUndefined();
    const later = await run('port: 9000\n', 'serve', '--config', file, '--port', '9002');
    expect(later['serve']?.['port']).toBe(9002);
  });

  it("lets one file serve every command: a command skips the others' keys", async () => {
    const seen = await run('port: 9000\ndata: /srv/skolnet\n', 'reset', '--config', file);
    expect(seen['reset']).toMatchObject({ data: '/srv/skolnet' });
  });

  it('treats an empty file as no values', async () => {
    expect((await run('', 'serve', '--config', file))['serve']).toMatchObject({ port: 8080 });
  });

  it('names the file and the key of an unknown key', async () => {
    const err = await failure('prot: 9000\n', 'serve', '--config', file);
    expect(err.message).toBe(
      `config file ${file}: key "prot" is not an option of any command (serve takes: host, port, verbose, tag, level, database)`,
    );
  });

  it.each([
    ['a string for a flag', 'verbose: "yes"\n', 'key "verbose" expects true or false, got a string'],
    ['a mapping for a value', 'host:\n  a: 1\n', 'key "host" expects a single value, got a mapping'],
    ['a list for a single value', 'host: [a, b]\n', 'key "host" expects a single value, got a list'],
    ['a boolean for a value', 'host: true\n', 'key "host" expects a single value, got a boolean'],
    ['no value', 'host:\n', 'key "host" has no value'],
    ['a bad choice', 'level: loud\n', 'key "level" must be one of info, debug, got "loud"'],
    ['a value its parser refuses', 'port: eighty\n', 'key "port" expected a port number, got "eighty"'],
    ['another config file', 'config: other.yaml\n', 'key "config" cannot name another config file'],
  ])('refuses %s, naming the key and the file', async (_name, yaml, what) => {
    expect((await failure(yaml, 'serve', '--config', file)).message).toBe(`config file ${file}: ${what}`);
  });

  it('never quotes a value of the wrong type', async () => {
    const err = await failure('database: [postgres://u:s3cret@db/x]\n', 'serve', '--config', file);
    expect(err.message).not.toContain('s3cret');
  });

  it('reports bad YAML by position, without quoting the line', async () => {
    const err = await failure('host: a\ndatabase: "postgres://u:s3cret@db/x\n', 'serve', '--config', file);
    expect(err.message).toMatch(
      new RegExp(`^config file ${file} is not valid YAML at line \\d+, column \\d+`),
    );
    expect(err.message).not.toContain('s3cret');
  });

  it('refuses an alias without its anchor, and never puts a line of the file into process warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      // Found by the resilience suite's fuzzing: a ReferenceError escaped.
      writeFileSync(file, 'host:\n  *!\n');
      expect(() => readConfigFile(file)).toThrow(
        `config file ${file} is not valid YAML (an alias without its anchor)`,
      );
      // An unknown tag is only a warning to the parser, which printed the line.
      writeFileSync(file, 'database: !secret postgres://u:s3cret@db/x\n');
      readConfigFile(file);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses a file that is not a mapping, and a missing file', () => {
    writeFileSync(file, '- port: 1\n');
    expect(() => readConfigFile(file)).toThrow(`config file ${file} must be a mapping`);
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(
      `config file ${join(dir, 'missing.yaml')} cannot be read (ENOENT)`,
    );
  });
});
