import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every ```ts / ```typescript block of README.md and docs/*.md is type-checked as its
// own module, strictly, against the sources, as users would import them. Blocks may
// use a few app-specific names (render, session, ...): globals.d.ts declares them.

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const globals = join(root, 'test/docs/globals.d.ts');
const entryPoints: Record<string, string> = {
  rxwire: 'src/index.ts',
  'rxwire/server': 'src/server/index.ts',
  'rxwire/testing': 'src/testing/index.ts',
  'rxwire/redis': 'src/redis/index.ts',
  'rxwire/graphql': 'src/graphql/index.ts',
};

/** One code block: where it is in its markdown file, and its code. */
interface Snippet {
  /** The markdown file, relative to the repository. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly fence: number;
  readonly code: string;
  /** Where the block was written. */
  path: string;
}

const TS_LANGUAGES = new Set(['ts', 'typescript']);

/** The TypeScript blocks of one markdown file (fenced with ``` or ~~~, in lists too). */
function extract(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
  const snippets: Snippet[] = [];
  let open: { fence: number; marker: string; indent: number; language: string; body: string[] } | undefined;
  lines.forEach((line, index) => {
    if (!open) {
      const start = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (start) open = { fence: index + 1, indent: start[1]!.length, marker: start[2]!, language: start[3]!.toLowerCase(), body: [] };
      return;
    }
    const end = /^ *(`{3,}|~{3,})\s*$/.exec(line);
    if (end && end[1]![0] === open.marker[0] && end[1]!.length >= open.marker.length) {
      if (TS_LANGUAGES.has(open.language)) snippets.push({ file, fence: open.fence, code: open.body.join('\n'), path: '' });
      open = undefined;
      return;
    }
    // Strip the fence's indentation (a block inside a list item), never more.
    const indent = Math.min(open.indent, /^ */.exec(line)![0].length);
    open.body.push(line.slice(indent));
  });
  if (open) throw new Error(`${file}:${open.fence}: code block never closed`);
  return snippets;
}

const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const snippets = files.flatMap(extract);

/** Compiler options: the project's own (strict), with the entry points mapped to the sources. */
function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options, errors } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  if (errors.length > 0) throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'));
  return {
    ...options,
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    // The declarations file is checked too, not skipped as a library would be.
    skipLibCheck: false,
    // Every block is a module, imports or not, so blocks never see each other's names.
    moduleDetection: ts.ModuleDetectionKind.Force,
    noEmit: true,
    paths: Object.fromEntries(Object.entries(entryPoints).map(([name, path]) => [name, [join(root, path)]])),
    typeRoots: [join(root, 'node_modules/@types')],
  };
}

/** `file:line:column` in the markdown file (or the file itself) and the message. */
function describeDiagnostic(diagnostic: ts.Diagnostic, byPath: Map<string, Snippet>): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')}`;
  const source = diagnostic.file;
  if (!source) return message;
  const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  const snippet = byPath.get(resolve(source.fileName));
  if (!snippet) return `${relative(root, source.fileName)}:${line + 1}:${character + 1} ${message}`;
  const text = snippet.code.split('\n')[line]?.trim() ?? '';
  return `${snippet.file}:${snippet.fence + 1 + line}:${character + 1} (block at line ${snippet.fence}) ${message}\n    > ${text}`;
}

describe('code blocks of README.md and docs/*.md', () => {
  let dir: string;
  const failures = new Map<string, string[]>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxwire-doc-snippets-'));
    for (const snippet of snippets) {
      snippet.path = join(dir, `${basename(snippet.file, '.md')}.line-${snippet.fence}.ts`);
      writeFileSync(snippet.path, `${snippet.code}\n`);
    }
    const byPath = new Map(snippets.map((snippet) => [resolve(snippet.path), snippet]));

    const options = compilerOptions();
    const host = ts.createCompilerHost(options, true);
    // Blocks live in a temporary directory: bare specifiers (rxjs, io-ts, ws, vitest)
    // resolve from the repository, as they would in a user's project with them installed.
    const resolveFrom = join(root, 'index.ts');
    host.resolveModuleNameLiterals = (literals, containingFile, _redirected, compilerOptions) =>
      literals.map((literal) => {
        const from = byPath.has(resolve(containingFile)) && !literal.text.startsWith('.') ? resolveFrom : containingFile;
        return ts.resolveModuleName(literal.text, from, compilerOptions, host);
      });

    const program = ts.createProgram({ rootNames: [globals, ...snippets.map((s) => s.path)], options, host });
    const diagnostics = [...ts.getPreEmitDiagnostics(program)];
    // In the order of the markdown files' lines.
    const order = (d: ts.Diagnostic) => {
      const snippet = d.file && byPath.get(resolve(d.file.fileName));
      return snippet ? snippet.fence * 1e7 + (d.start ?? 0) : 0;
    };
    diagnostics.sort((a, b) => order(a) - order(b));
    for (const diagnostic of diagnostics) {
      const snippet = diagnostic.file && byPath.get(resolve(diagnostic.file.fileName));
      const key = snippet ? snippet.file : '(outside the blocks)';
      failures.set(key, [...(failures.get(key) ?? []), describeDiagnostic(diagnostic, byPath)]);
    }
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the blocks to check', () => {
    expect(snippets.filter((s) => s.file === 'README.md').length).toBeGreaterThan(0);
    expect(snippets.filter((s) => s.file === 'docs/getting-started.md').length).toBeGreaterThan(0);
  });

  it('type-checks globals.d.ts and the sources the blocks import', () => {
    expect(failures.get('(outside the blocks)') ?? []).toEqual([]);
  });

  it.each(files)('every TypeScript block of %s compiles', (file) => {
    const errors = failures.get(file) ?? [];
    expect(errors, `\n${errors.join('\n')}\n`).toEqual([]);
  });
});
