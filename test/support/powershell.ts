import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * Reads PowerShell with a parser skolnet did not write: the tree-sitter
 * grammar of PowerShell by Airbus CERT (npm `tree-sitter-powershell`, MIT),
 * run as WebAssembly through `web-tree-sitter`, so it needs no native build
 * and no PowerShell. PowerShell itself (`pwsh`) is in neither Debian nor
 * npm (npm's `pwsh` downloads the binary at install time), so no machine of
 * the project has it; this grammar follows PowerShell's language
 * specification closely enough to tell a well-formed script from a broken
 * one and to show which commands, parameters and literals it holds.
 */

const require = createRequire(import.meta.url);
let parser: Promise<Parser> | undefined;

async function load(): Promise<Parser> {
  await Parser.init();
  const wasm = readFileSync(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  const p = new Parser();
  p.setLanguage(await Language.load(wasm));
  return p;
}

/** One command in a parsed script: its name, its own parameters, its arguments' nodes. */
export interface PsCommand {
  /** The command as written (`Register-ScheduledTask`, `icacls`). */
  name: string;
  /** Its parameters as written (`-TaskName`), not those of commands nested in its arguments. */
  parameters: string[];
  /** The text after each parameter, up to the next parameter (empty for a switch). */
  values: Record<string, string>;
}

/** A script as the grammar reads it. */
export interface PsScript {
  /** Where the grammar found a syntax error or a missing token, as `line:column text`; empty when none. */
  errors: string[];
  /** Every command, nested ones included, in source order. */
  commands: PsCommand[];
  /** Every single-quoted (verbatim) string literal's value, quotes removed and `''` read as `'`. */
  verbatim_strings: string[];
  /** Every variable assigned with `=` at the top of a statement, with the literal text of its value. */
  assignments: Record<string, string>;
}

/** Parses `script` with the PowerShell grammar. */
export async function parsePowerShell(script: string): Promise<PsScript> {
  parser ??= load();
  const tree = (await parser).parse(script);
  if (!tree) throw new Error('the PowerShell grammar returned no tree');
  const root = tree.rootNode;
  const errors = all(root)
    .filter((n) => n.type === 'ERROR' || n.isMissing)
    .map(
      (n) =>
        `${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.isMissing ? `missing ${n.type}` : n.text}`,
    );
  const commands = root.descendantsOfType('command').flatMap((c) => (c ? [readCommand(c)] : []));
  const verbatim_strings = root
    .descendantsOfType('string_literal')
    .flatMap((s) => (s && s.text.startsWith("'") ? [s.text.slice(1, -1).replace(/''/g, "'")] : []));
  const assignments: Record<string, string> = {};
  for (const a of root.descendantsOfType('assignment_expression')) {
    const variable = a?.namedChildren[0]?.text;
    const value = a?.childForFieldName('value')?.text;
    if (variable !== undefined && value !== undefined) assignments[variable] = value;
  }
  return { errors, commands, verbatim_strings, assignments };
}

function all(node: Node): Node[] {
  return [node, ...node.children.flatMap((c) => (c ? all(c) : []))];
}

/** A command's name and the parameters that belong to it rather than to a nested command. */
function readCommand(command: Node): PsCommand {
  const name = command.childForFieldName('command_name')?.text ?? command.namedChildren[0]?.text ?? '';
  const elements = command.namedChildren.find((n) => n?.type === 'command_elements');
  const parameters: string[] = [];
  const values: Record<string, string> = {};
  let current: string | undefined;
  for (const element of elements?.namedChildren ?? []) {
    if (!element || element.type === 'command_argument_sep') continue;
    if (element.type === 'command_parameter') {
      current = element.text;
      parameters.push(current);
      values[current] = '';
    } else if (current !== undefined) {
      values[current] = `${values[current] ?? ''}${values[current] ? ' ' : ''}${element.text}`;
    }
  }
  return { name, parameters, values };
}
