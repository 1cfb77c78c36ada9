import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject, type Exit } from '../fixtures/harness';

/** Bad input stops start-up with exit 1 and one error line naming the variable or field (real processes). */
describe('start-up errors', () => {
  let project: CompiledProject;
  beforeAll(() => (project = compileProject()));
  afterAll(() => {
    killAll();
    project.remove();
  });

  const run = (env: Record<string, string>): Promise<Exit> => spawnProgram(project.js('test/hosting/fixtures/context-program.ts'), { env }).exited;

  /** The only error-level line (JSON with Datadog's attributes). */
  function errorLine(exit: Exit): string {
    const errors = exit.lines.filter((l) => /"status":"error"/.test(l));
    expect(errors).toHaveLength(1);
    const record = JSON.parse(errors[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ status: 'error', service: 'context-fixture', Application: 'context-fixture' });
    expect(record.error).toBeUndefined(); // no stack trace burying the message
    expect(exit.stderr).toBe('');
    return messageOf(errors[0]!);
  }

  const spec = '{"tables":["dbo.orders"]}';

  it('exits 1 naming each bad input', async () => {
    const [missingBackfill, badBackfill, badJson, badField, secretValue, missingSecret] = await Promise.all([
      run({ STREAMCONTEXT__SPEC: spec }),
      run({ STREAMCONTEXT__SPEC: spec, STREAMCONTEXT__BACKFILL: 'maybe' }),
      run({ STREAMCONTEXT__SPEC: '{"tables":["dbo.orders"', STREAMCONTEXT__BACKFILL: 'false' }),
      run({ STREAMCONTEXT__SPEC: '{"tables":["dbo.orders"],"batchSize":0}', STREAMCONTEXT__BACKFILL: 'false' }),
      run({ STREAMCONTEXT__SPEC: '{"tables":"AccountKey=c2VjcmV0;"}', STREAMCONTEXT__BACKFILL: 'false' }),
      run({ STREAMCONTEXT__SPEC: spec, STREAMCONTEXT__BACKFILL: 'false', SECRET_NAME: 'SQL_CONNECTION' }),
    ]);
    for (const exit of [missingBackfill, badBackfill, badJson, badField, secretValue, missingSecret]) expect(exit.code).toBe(1);
    expect(errorLine(missingBackfill)).toBe('STREAMCONTEXT__BACKFILL is missing: expected "true" or "false" (or the --backfill flag for a local run)');
    expect(errorLine(badBackfill)).toBe('STREAMCONTEXT__BACKFILL = "maybe" is invalid: expected "true" or "false"');
    expect(errorLine(badJson)).toBe('STREAMCONTEXT__SPEC is not valid JSON: received "{\\"tables\\":[\\"dbo.orders\\""; expected a JSON object');
    expect(errorLine(badField)).toBe('invalid spec (STREAMCONTEXT__SPEC): field "batchSize" = 0 is invalid: Too small: expected number to be >0');
    expect(errorLine(secretValue)).toMatch(/^invalid spec \(STREAMCONTEXT__SPEC\): field "tables" = "AccountKey=\[REDACTED\];" is invalid: /);
    expect(secretValue.stdout).not.toContain('c2VjcmV0');
    expect(errorLine(missingSecret)).toBe(
      "secret SQL_CONNECTION is missing: expected the environment variable SQL_CONNECTION (mounted from the stream's secret)",
    );
    // Start-up stopped before the graph ran.
    for (const exit of [missingBackfill, badJson, missingSecret]) expect(exit.stdout).not.toMatch(/stream running|^context /m);
  });

  it('exits 1 with one line on stderr when the logger cannot be configured', async () => {
    const exit = await run({ CONTEXT_FIXTURE__DEFAULT_LOG_LEVEL: 'LOUD' });
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toBe("CONTEXT_FIXTURE__DEFAULT_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR; got 'LOUD'\n");
  });

  it('runs with no environment at all on the program defaults, and applies the override', async () => {
    const local = await run({});
    expect(local.code).toBe(0);
    expect(local.lines.find((l) => l.startsWith('context '))).toBe(
      'context {"spec":{"tables":["dbo.local"],"batchSize":500},"streamId":"local-stream","streamKind":"context-fixture","isBackfilling":false}',
    );
    const overridden = await run({
      STREAMCONTEXT__SPEC: spec,
      STREAMCONTEXT__BACKFILL: 'true',
      STREAMCONTEXT__STREAM_ID: 'orders',
      STREAMCONTEXT_SPEC_OVERRIDE: '{"batchSize":7}',
    });
    expect(overridden.code).toBe(0);
    expect(overridden.lines.find((l) => l.startsWith('context '))).toBe(
      'context {"spec":{"tables":["dbo.orders"],"batchSize":7},"streamId":"orders","streamKind":"context-fixture","isBackfilling":true}',
    );
  });
});
