/**
 * Writes the CRDs generated from the programs' zod specs into the Helm charts (`npm run generate:crd`, after
 * `npm run build`); `--check` writes nothing and exits 1 when a committed CRD differs from what would be written.
 *
 *     npm run build && npm run generate:crd
 *     npm run build && npm run generate:crd -- --check
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { sqlServerCdcStreamCrd, SQLSERVER_CDC_STREAM_CRD_NAME } from '../examples/sqlserver-cdc-to-servicebus/crd';

/** A CRD file and how to build its content. */
export interface CrdTarget {
  /** Path from the repository root. */
  readonly path: string;
  readonly crd: () => Record<string, unknown>;
  /** The command that regenerates it, for the file's header. */
  readonly source: string;
}

/** Every generated CRD. */
export const CRD_TARGETS: readonly CrdTarget[] = [
  {
    path: `deploy/helm/sqlserver-cdc-stream/crds/${SQLSERVER_CDC_STREAM_CRD_NAME}.yaml`,
    crd: sqlServerCdcStreamCrd,
    source: 'examples/sqlserver-cdc-to-servicebus/spec.ts',
  },
];

/**
 * The YAML text of a target: a header saying it is generated, then the CRD.
 *
 * @example
 * renderCrd(CRD_TARGETS[0]!) === readFileSync(CRD_TARGETS[0]!.path, 'utf8'); // true when up to date
 */
export function renderCrd(target: CrdTarget): string {
  const header =
    `# Generated from ${target.source} by \`npm run generate:crd\` (scripts/generate-crd.ts). Do not edit:\n` +
    '# change the zod spec and regenerate; a test fails when this file and the spec disagree.\n';
  return header + stringify(target.crd(), { lineWidth: 110 });
}

/** The repository root: the nearest directory above this file with the project's package.json. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tributary') return dir;
    if (dirname(dir) === dir) throw new Error(`generate-crd: no package.json of "tributary" above ${from}`);
  }
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const root = repoRoot();
  let stale = 0;
  for (const target of CRD_TARGETS) {
    const file = join(root, target.path);
    const text = renderCrd(target);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) {
      console.log(`up to date: ${target.path}`);
    } else if (check) {
      stale++;
      console.error(`stale: ${target.path} differs from ${target.source}; run \`npm run build && npm run generate:crd\``);
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      console.log(`wrote ${relative(root, file)}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
