import { StageFailure } from 'tributary';
import {
  causeChain,
  classifyFailure,
  defaultExceptionHandlers,
  FatalStreamError,
  SchemaInconsistentError,
  SchemaMismatchError,
  streamErrorKind,
  TransientStreamError,
  type ExceptionHandler,
  type ExceptionHandlerContext,
} from 'tributary/hosting';
import { recordingLogger } from '../fixtures/recording-logger';

const { logger, logged } = recordingLogger();

function context(failure: unknown, reported: string[] = [], report: (id: string) => Promise<void> = async (id) => void reported.push(id)): ExceptionHandlerContext {
  return { failure, streamId: 'orders', logger, statusReporter: () => ({ reportSchemaMismatch: report }) };
}

const exitCode = async (failure: unknown, handlers: readonly ExceptionHandler[] = defaultExceptionHandlers) =>
  (await classifyFailure(handlers, context(failure)))?.exitCode;

beforeEach(() => (logged.length = 0));

describe('causeChain', () => {
  it('walks causes, StageFailure causes and AggregateError members depth first, each error once', () => {
    const leaf = new Error('leaf');
    const inner = new AggregateError([new Error('a', { cause: leaf }), leaf], 'several');
    const outer = new StageFailure('map', 'g/map#1', new Error('mid', { cause: inner }));
    const chain = [...causeChain(outer)].map((e) => (e as Error).message);
    expect(chain).toEqual([outer.message, 'mid', 'several', 'a', 'leaf']);
    const cyclic = new Error('x');
    (cyclic as { cause?: unknown }).cause = cyclic;
    expect([...causeChain(cyclic)]).toEqual([cyclic]);
    expect([...causeChain('a string')]).toEqual(['a string']);
  });
});

describe('classifyFailure with the default handlers', () => {
  it('maps each built-in class, wherever it sits in the chain', async () => {
    const wrap = (e: unknown) => new StageFailure('sink', 'g/sink#9', new Error('write failed', { cause: e }));
    expect(await exitCode(new TransientStreamError('reset'))).toBe(2);
    expect(await exitCode(wrap(new SchemaInconsistentError('7 ≠ 6')))).toBe(2);
    expect(await exitCode(new AggregateError([new Error('x'), new FatalStreamError('bad row')]))).toBe(1);
    expect(await exitCode(wrap(Object.assign(new Error('lease'), { name: 'LeaseLostError' })))).toBe(2);
    expect(await exitCode(wrap(Object.assign(new Error('throttled'), { transient: true })))).toBe(2);
    expect(await exitCode(new Error('plain'))).toBeUndefined();
  });

  it('reports a schema mismatch with the stream id, then exits 0; exits 1 when the report fails', async () => {
    const reported: string[] = [];
    const mismatch = new StageFailure('source', 's#0', new SchemaMismatchError('column added'));
    expect(await classifyFailure(defaultExceptionHandlers, context(mismatch, reported))).toMatchObject({ exitCode: 0 });
    expect(reported).toEqual(['orders']);
    const refused = context(mismatch, [], () => Promise.reject(new Error('403 forbidden')));
    expect(await classifyFailure(defaultExceptionHandlers, refused)).toMatchObject({ exitCode: 1 });
    expect(logged).toContain('schema mismatch could not be reported to the operator; exiting as fatal');
  });

  it('classifies by the registered brand, so errors from another copy of the package match too', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('tributary.hosting.streamErrorKind'), { value: 'fatal' });
    expect(streamErrorKind(foreign)).toBe('fatal');
    expect(streamErrorKind(new SchemaMismatchError('m'))).toBe('schema-mismatch');
    expect(streamErrorKind(null)).toBeUndefined();
  });
});

describe('classifyFailure with program handlers', () => {
  class PoolTimeout extends Error {}

  it('tries program handlers first, on every error of the chain', async () => {
    const handlers = [(e: unknown) => (e instanceof PoolTimeout ? { exitCode: 2 } : undefined), ...defaultExceptionHandlers];
    const failure = new StageFailure('mapAsync', 'g/mapAsync#2', new PoolTimeout('pool'));
    expect(await classifyFailure(handlers, context(failure))).toMatchObject({ exitCode: 2, matched: failure.cause });
    const overriding = [() => ({ exitCode: 35 }), ...defaultExceptionHandlers];
    expect(await exitCode(new TransientStreamError('t'), overriding)).toBe(35);
  });

  it('skips a handler that throws or returns an invalid exit code, and logs it', async () => {
    const handlers: ExceptionHandler[] = [
      () => {
        throw new Error('handler bug');
      },
      () => ({ exitCode: 1.5 }),
      ...defaultExceptionHandlers,
    ];
    expect(await exitCode(new TransientStreamError('t'), handlers)).toBe(2);
    expect(logged).toEqual([
      'an exception handler threw; trying the next one',
      'an exception handler returned exit code 1.5; expected an integer 0..255',
    ]);
  });
});
