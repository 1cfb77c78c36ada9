import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../scripts/generate-crd';

const root = repoRoot(__dirname);
const text = (path: string) => readFileSync(join(root, path), 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined, grouped by stage. */
function parseDockerfile(source: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const lines = source
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    const instruction = { op: op!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)!;
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length === 0) globalArgs.push(instruction);
    else stages[stages.length - 1]!.instructions.push(instruction);
  }
  return { globalArgs, stages };
}

const { globalArgs, stages } = parseDockerfile(text('Dockerfile'));
const runtime = stages[stages.length - 1]!;
const named = (name: string) => stages.find((s) => s.name === name)!;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
/** `${NODE_IMAGE}` → its ARG default. */
const resolveImage = (from: string) =>
  from.replace(/\$\{(\w+)\}/g, (_, name: string) => /=(.*)$/.exec(globalArgs.find((a) => a.args.startsWith(`${name}=`))?.args ?? '')?.[1] ?? '');

describe('the Dockerfile', () => {
  it('is multi-stage: build (all dependencies), deps (production only), runtime on node:22-slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages) expect(resolveImage(stage.from)).toBe('node:22-slim');
  });

  it('builds with the dev dependencies, with the same npm ci fallback as .ci/run', () => {
    const build = ops(named('build'), 'RUN').map((i) => i.args);
    expect(build[0]).toMatch(/^npm ci\b(?!.*--omit=dev)/);
    expect(build[0]).toContain('|| (rm -rf node_modules && npm install');
    expect(text('.ci/run')).toMatch(/npm ci[\s\S]*rm -rf node_modules[\s\S]*npm install/);
    expect(build).toContain('npm run build');
  });

  it('installs production dependencies only for the runtime image', () => {
    const installs = ops(named('deps'), 'RUN').map((i) => i.args);
    expect(installs).toHaveLength(1);
    for (const command of installs[0]!.split('||')) {
      if (/npm (ci|install)/.test(command)) expect(command).toContain('--omit=dev');
    }
    const copies = ops(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies.some((c) => /--from=build \S*node_modules/.test(c))).toBe(false);
    expect(ops(runtime, 'RUN').some((i) => /npm (ci|install)/.test(i.args))).toBe(false);
    expect(ops(runtime, 'ENV').map((i) => i.args).join(' ')).toMatch(/\bNODE_ENV=production\b/);
  });

  it('runs as a non-root user given by id (so Kubernetes can check runAsNonRoot), the chart\'s runAsUser', () => {
    const users = ops(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const uid = Number(user.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    const values = parseYaml(text('deploy/helm/sqlserver-cdc-stream/values.yaml')) as { job: { runAsUser: number } };
    expect(values.job.runAsUser).toBe(uid);
    // Nothing runs as root after the switch.
    const last = runtime.instructions.map((i) => i.op).lastIndexOf('USER');
    expect(runtime.instructions.slice(last + 1).filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('starts node in exec form (PID 1 gets SIGTERM) with dd-trace preloaded from the package\'s own export', () => {
    const entrypoints = ops(runtime, 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    const argv = JSON.parse(entrypoints[0]!.args) as string[];
    expect(Array.isArray(argv)).toBe(true);
    expect(argv).toEqual(['node', '-r', 'tributary/hosting/tracing-preload', 'dist/app/program.js']);
    expect(ops(runtime, 'CMD').filter((c) => !c.args.startsWith('['))).toEqual([]);
    const pkg = JSON.parse(text('package.json')) as { name: string; exports: Record<string, { default: string }> };
    expect(pkg.name).toBe('tributary');
    expect(pkg.exports['./hosting/tracing-preload']?.default).toBe('./dist/hosting/tracing/preload.js');
    expect(existsSync(join(root, 'hosting/tracing/preload.ts'))).toBe(true);
    expect(ops(runtime, 'WORKDIR').map((i) => i.args)).toEqual(['/app']); // the self-reference resolves from /app
  });

  it('builds any example through the EXAMPLE build argument (default quickstart) and checks it exists', () => {
    for (const stage of [named('build'), runtime]) expect(ops(stage, 'ARG').map((i) => i.args)).toContain('EXAMPLE=quickstart');
    expect(existsSync(join(root, 'examples/quickstart/program.ts'))).toBe(true);
    expect(ops(named('build'), 'RUN').some((i) => i.args.includes('test -f "dist/examples/${EXAMPLE}/program.js"'))).toBe(true);
    expect(ops(runtime, 'RUN').map((i) => i.args)).toContain('ln -s "examples/${EXAMPLE}" dist/app');
  });

  it('.dockerignore keeps local state out and everything the build compiles in', () => {
    const ignored = text('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', '.env']));
    const tsconfig = JSON.parse(text('tsconfig.build.json')) as { include: string[] };
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', ...tsconfig.include];
    expect(needed.filter((path) => ignored.includes(path))).toEqual([]);
  });
});
