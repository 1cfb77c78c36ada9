import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The image's build stage runs `npm run build` on the Docker build context, i.e. the repository minus
 * `.dockerignore`. Every file the build compiles — the `tsconfig.build.json` includes and whatever they import,
 * transitively — must therefore be in the context. (Regression: the benchmark imports the test servers from
 * `test/support`, which `.dockerignore` left out with the rest of `test/`, so `docker build` failed in `tsc`.)
 */
const root = resolve(__dirname, '../..');

/** `.dockerignore` as Docker reads it: patterns in order, `!` re-includes, the last matching line wins. */
function dockerignore(): (path: string) => boolean {
  const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('');
      return { include, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    // A pattern matching a directory excludes everything below it.
    const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.include;
    return ignored;
  };
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.m?ts$/.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) yield path;
  }
}

/** The project files a source imports with relative specifiers, resolved as TypeScript resolves them. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''); // code only, not doc examples
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => {
    const base = resolve(dirname(file), s);
    const candidates = [base, `${base}.ts`, `${base}.mts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts')];
    return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? `${base} (unresolved, imported by ${relative(root, file)})`;
  });
}

describe('the Docker build context', () => {
  it('holds every file `npm run build` compiles, imports of imports included', () => {
    const isIgnored = dockerignore();
    const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const queue = include.flatMap((dir) => [...sources(join(root, dir))]);
    const seen = new Set(queue);
    const missing: string[] = [];
    while (queue.length > 0) {
      for (const imported of relativeImports(queue.pop()!)) {
        if (seen.has(imported)) continue;
        seen.add(imported);
        const path = relative(root, imported);
        if (imported.includes('(unresolved') || isIgnored(path)) missing.push(path);
        else if (/\.m?ts$/.test(imported)) queue.push(imported);
      }
    }
    expect(missing).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
  });

  it('reads .dockerignore as Docker does (the matcher above)', () => {
    const isIgnored = dockerignore();
    expect(['node_modules/x/index.js', 'dist/app', 'test/core/smoke.test.ts', 'deploy/helm/x.yaml', 'sinks/file/x.test.ts', '.env.local'].filter(isIgnored)).toHaveLength(6);
    expect(['src/index.ts', 'examples/sqlserver-cdc-to-servicebus/program.ts', 'test/support/tds/index.ts', 'package.json'].filter(isIgnored)).toEqual([]);
  });
});
