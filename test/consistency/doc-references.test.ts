/**
 * Every document the code and the docs cite exists: a comment that sends
 * the next engineer to a document the tree does not have (the dashboard
 * once cited a scoring document that was never written) sends them
 * nowhere. Reads the tree's sources and docs as text.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Folders that are not the project's own text: dependencies, build output, run data. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'data', 'coverage', 'packs', 'screenshots']);
/** Files whose text may cite a document. */
const TEXT_FILE = /\.(ts|tsx|js|mjs|cjs|md|json|yml|yaml|sh|html|css)$|^run$/;

function textFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) textFiles(join(dir, entry.name), out);
    } else if (entry.isFile() && TEXT_FILE.test(entry.name) && entry.name !== 'package-lock.json') {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** `docs/<name>.md` anywhere in a text, as the project cites its documents. */
const DOCS_PATH = /(?<![\w./-])docs\/[\w./-]+?\.md\b/g;
/** A Markdown link to a relative `.md` file: `[text](storage.md)` or `(../docs/x.md#part)`. */
const MD_LINK = /\]\((?!https?:|#|mailto:)([^)\s#]+\.md)(#[^)\s]*)?\)/g;
/** The style guide the project grew from is not part of it, so nothing may cite it. */
const OUTSIDE_GUIDE = /\bARCHITECTURE\.md\b/;

const files = textFiles(root);

describe('document references', () => {
  it('reads the tree', () => {
    // Guards the walk itself: a wrong root would pass every check below.
    expect(files.some((f) => f.endsWith(join('docs', 'methodology.md')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('collector', 'src', 'app.ts')))).toBe(true);
  });

  it('every docs/….md path cited in sources and docs exists', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(DOCS_PATH)) {
        if (!existsSync(join(root, m[0]))) missing.push(`${relative(root, file)}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every relative Markdown link to a .md file resolves', () => {
    const broken: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md') || f.endsWith('.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(MD_LINK)) {
        const target = m[1] as string;
        // A generated document's source writes its links as they stand in docs/.
        const from = file.endsWith('.ts') ? join(root, 'docs') : dirname(file);
        if (!existsSync(join(from, target)) && !existsSync(join(dirname(file), target))) {
          broken.push(`${relative(root, file)}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing cites the style guide outside the project (ARCHITECTURE.md); docs/architecture.md is ours', () => {
    const citing = files
      .filter((f) => f !== fileURLToPath(import.meta.url))
      .filter((f) => OUTSIDE_GUIDE.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(citing).toEqual([]);
  });
});
