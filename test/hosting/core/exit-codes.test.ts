import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject, type Exit } from '../fixtures/harness';

/** Each built-in error class, wrapped or not, maps to its exit code (real processes). */
describe('exit codes of failures', () => {
  let project: CompiledProject;
  beforeAll(() => (project = compileProject()));
  afterAll(() => {
    killAll();
    project.remove();
  });

  const run = (env: Record<string, string>): Promise<Exit> => spawnProgram(project.js('test/hosting/fixtures/failing-program.ts'), { env }).exited;

  // [FAIL_WITH, WRAP, WHERE, exit code]
  const cases: readonly [string, string, string, number][] = [
    ['schema-mismatch', 'none', 'stage', 0],
    ['schema-mismatch', 'cause', 'stage', 0],
    ['schema-mismatch', 'aggregate', 'build', 0],
    ['schema-inconsistent', 'none', 'stage', 2],
    ['schema-inconsistent', 'cause', 'stage', 2],
    ['transient', 'none', 'stage', 2],
    ['transient', 'cause', 'build', 2],
    ['transient', 'aggregate', 'stage', 2],
    ['transient', 'none', 'service', 2],
    ['lease-lost', 'cause', 'stage', 2],
    ['transient-flag', 'none', 'stage', 2],
    ['fatal', 'none', 'stage', 1],
    ['fatal', 'aggregate', 'stage', 1],
    ['unknown', 'none', 'stage', 1],
    ['unknown', 'cause', 'build', 1],
    ['custom', 'none', 'stage', 2],
    ['custom', 'cause', 'stage', 2],
    ['custom-35', 'none', 'build', 35],
  ];

  // All programs run at once; each test checks its own.
  let exits: Promise<Exit[]>;
  beforeAll(() => {
    exits = Promise.all(cases.map(([failWith, wrap, where]) => run({ FAIL_WITH: failWith, WRAP: wrap, WHERE: where })));
  });

  it.each(cases.map((c, i) => [`${c[0]} (wrap: ${c[1]}, thrown in: ${c[2]}) → ${c[3]}`, i, ...c] as const))(
    '%s',
    async (_title, i, failWith, _wrap, where, code) => {
      const exit = (await exits)[i]!;
      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code, stderr: '' });
      const messages = exit.lines.map(messageOf);
      expect(messages[messages.length - 1]).toBe(`exit code ${code}`);
      if (where !== 'service') expect(messages).toContain('resource closed');
      if (failWith === 'schema-mismatch') {
        expect(messages).toContain('reported schema mismatch for failing-stream');
        expect(messages).toContain('schema mismatch reported; exit 0 so the operator restarts the stream in backfill mode');
      }
      if (failWith === 'unknown') expect(messages).toContain('the stream failed with an unhandled error; exit 1');
      // The failure is logged once, with Datadog's error attributes.
      const failure = exit.lines.map((l) => JSON.parse(l) as { status: string; error?: { kind: string; stack: string } }).filter((r) => r.error);
      expect(failure).toHaveLength(1);
      expect(failure[0]!.status).toBe('error');
    },
  );

  it('an error thrown outside the stream is logged, then ends the process with exit 1', async () => {
    const exit = await run({ FAIL_WITH: 'unknown', WHERE: 'uncaught' });
    expect(exit.code).toBe(1);
    const line = exit.lines.find((l) => messageOf(l) === 'uncaught exception (uncaughtException); exit 1');
    expect(JSON.parse(line!)).toMatchObject({ status: 'error', error: { kind: 'Error', message: 'boom' } });
  });
});
