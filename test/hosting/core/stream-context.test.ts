import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, readStreamContext, type StreamContextSource } from 'tributary/hosting';
import { z } from 'zod';

const Spec = z.object({ tables: z.array(z.string()).min(1), batchSize: z.number().int().positive().default(500) });

function read(env: Record<string, string>, argv: string[] = [], extra: Partial<StreamContextSource<unknown>> = {}) {
  return readStreamContext({ schema: Spec, hostName: 'orders-cdc', env, argv, ...extra } as StreamContextSource<z.output<typeof Spec>>);
}

function errorOf(f: () => unknown): ConfigurationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    expect((e as Error).message).not.toContain('\n');
    return e as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

const operatorEnv = {
  STREAMCONTEXT__SPEC: '{"tables":["dbo.orders"]}',
  STREAMCONTEXT__BACKFILL: 'false',
  STREAMCONTEXT__STREAM_ID: 'orders',
  STREAMCONTEXT__STREAM_KIND: 'SqlServerChangeTracking',
};

describe('readStreamContext', () => {
  it('reads what the operator sets, applying the schema defaults', () => {
    const ctx = read({ ...operatorEnv, STREAMCONTEXT__BACKFILL: 'TRUE', STREAMCONTEXT__BACKFILL_ID: 'b-7' });
    expect(ctx).toMatchObject({
      spec: { tables: ['dbo.orders'], batchSize: 500 },
      streamId: 'orders',
      streamKind: 'SqlServerChangeTracking',
      isBackfilling: true,
      backfillId: 'b-7',
    });
    expect(Object.isFrozen(ctx)).toBe(true);
  });

  it('applies STREAMCONTEXT_SPEC_OVERRIDE as a JSON merge patch before validating', () => {
    const ctx = read({
      ...operatorEnv,
      STREAMCONTEXT__SPEC: '{"tables":["a"],"batchSize":10}',
      STREAMCONTEXT_SPEC_OVERRIDE: '{"batchSize":null,"tables":["b","c"]}',
    });
    expect(ctx.spec).toEqual({ tables: ['b', 'c'], batchSize: 500 });
  });

  it('prefers --spec and --backfill over the variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    try {
      const file = join(dir, 'spec.json');
      writeFileSync(file, '{"tables":["from-file"]}');
      expect(read(operatorEnv, ['--spec', file, '--backfill'])).toMatchObject({ spec: { tables: ['from-file'] }, isBackfilling: true });
      expect(read({ ...operatorEnv, STREAMCONTEXT__BACKFILL: 'true' }, [`--spec=${file}`, '--backfill=false'])).toMatchObject({
        spec: { tables: ['from-file'] },
        isBackfilling: false,
      });
      expect(errorOf(() => read(operatorEnv, ['--spec', join(dir, 'missing.json')])).message).toMatch(/^--spec .*missing\.json: cannot read the file \(ENOENT\)/);
      expect(errorOf(() => read(operatorEnv, ['--spec'])).message).toBe('--spec needs a value: expected --spec <file.json>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the program defaults only when no STREAMCONTEXT__ variable is set', () => {
    const defaults = { spec: { tables: ['demo'] }, streamId: 'demo-stream', backfill: true };
    expect(read({}, [], { defaults })).toMatchObject({ spec: { tables: ['demo'] }, streamId: 'demo-stream', streamKind: 'orders-cdc', isBackfilling: true });
    expect(read({ STREAMCONTEXT_SPEC_OVERRIDE: '{"batchSize":3}' }, [], { defaults }).spec).toEqual({ tables: ['demo'], batchSize: 3 });
    const e = errorOf(() => read({ STREAMCONTEXT__SPEC: '{"tables":["x"]}' }, [], { defaults }));
    expect(e.message).toBe('STREAMCONTEXT__BACKFILL is missing: expected "true" or "false" (or the --backfill flag for a local run)');
  });

  it('defaults the stream id and kind to the host name', () => {
    expect(read({ STREAMCONTEXT__SPEC: '{"tables":["x"]}', STREAMCONTEXT__BACKFILL: 'false' })).toMatchObject({
      streamId: 'orders-cdc',
      streamKind: 'orders-cdc',
      backfillId: undefined,
    });
  });

  it('keeps the spec optional and unvalidated without a schema', () => {
    const ctx = readStreamContext({ hostName: 'h', env: { STREAMCONTEXT__BACKFILL: 'false' }, argv: [] });
    expect(ctx.spec).toBeUndefined();
  });

  it('names the variable, the value and the expectation for each bad input', () => {
    expect(errorOf(() => read({ STREAMCONTEXT__SPEC: '{"tables":["x"]}', STREAMCONTEXT__BACKFILL: 'yes' })).message).toBe(
      'STREAMCONTEXT__BACKFILL = "yes" is invalid: expected "true" or "false"',
    );
    expect(errorOf(() => read({ STREAMCONTEXT__BACKFILL: 'false' })).message).toBe(
      "STREAMCONTEXT__SPEC is missing: expected the stream's spec as JSON (or --spec <file.json> for a local run)",
    );
    expect(errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{"tables":' })).message).toBe(
      'STREAMCONTEXT__SPEC is not valid JSON: received "{\\"tables\\":"; expected a JSON object',
    );
    expect(errorOf(() => read({ ...operatorEnv, STREAMCONTEXT_SPEC_OVERRIDE: '{' })).message).toMatch(/^STREAMCONTEXT_SPEC_OVERRIDE is not valid JSON/);
    expect(errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{"tables":[],"batchSize":-1}' })).message).toBe(
      'invalid spec (STREAMCONTEXT__SPEC): field "tables" = [] is invalid: Too small: expected array to have >=1 items; ' +
        'field "batchSize" = -1 is invalid: Too small: expected number to be >0',
    );
    expect(errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{}' })).message).toMatch(/^invalid spec \(STREAMCONTEXT__SPEC\): field "tables" is missing: /);
    expect(errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{"tables":[1]}' })).message).toMatch(/field "tables\[0\]" = 1 is invalid: .*expected string/);
  });

  it('redacts secrets in the values it reports', () => {
    const bad = errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{"tables":"Server=db;Password=hunter2;"}' })).message;
    expect(bad).toContain('field "tables" = "Server=db;Password=[REDACTED];"');
    const json = errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: '{"tables":["a"],"password":"hunter2"' })).message;
    expect(json).not.toContain('hunter2');
    const tooLong = errorOf(() => read({ ...operatorEnv, STREAMCONTEXT__SPEC: `{"tables":"${'x'.repeat(500)}"}` })).message;
    expect(tooLong.length).toBeLessThan(300);
  });

  it('reads secrets from the environment, naming a missing one', () => {
    const ctx = read({ ...operatorEnv, SQL_CONNECTION: 'Server=db' });
    expect(ctx.secret('SQL_CONNECTION')).toBe('Server=db');
    expect(errorOf(() => ctx.secret('SB_CONNECTION')).message).toBe(
      "secret SB_CONNECTION is missing: expected the environment variable SB_CONNECTION (mounted from the stream's secret)",
    );
  });
});
