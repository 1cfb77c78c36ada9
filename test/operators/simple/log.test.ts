import { Attributes, Sink, Source, StageFailure } from 'tributary';
import { Boom, harness } from './probe-harness';

function recorder() {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('log', () => {
  it('logs elements at debug and completion at info by default, passing elements through', async () => {
    const { lines, logger } = recorder();
    const out = await Source.from([1, 2]).log('nums', undefined, { logger }).runWith(Sink.seq());
    expect(out).toEqual([1, 2]);
    expect(lines).toEqual(['debug [nums] Element: 1', 'debug [nums] Element: 2', 'info [nums] Upstream finished.']);
  });

  it('logs what extract returns, rendering objects as JSON', async () => {
    const { lines, logger } = recorder();
    await Source.from([{ id: 7, body: 'x' }]).log('rows', (r) => ({ id: r.id }), { logger }).runWith(Sink.ignore());
    expect(lines[0]).toBe('debug [rows] Element: {"id":7}');
  });

  it('logs failures at error and passes them on unchanged', () => {
    const { lines, logger } = recorder();
    const { src, sink } = harness<number, number>((s) => s.log('f', undefined, { logger }));
    const boom = new Boom('bad');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
    expect(lines).toEqual(['error [f] Upstream failed, cause: Boom: bad']);
  });

  it('logs downstream cancellation at the finish level and cancels upstream', () => {
    const { lines, logger } = recorder();
    const { src, sink, stops } = harness<number, number>((s) => s.log('c', undefined, { logger }));
    sink.cancel();
    src.expectCancellation();
    expect(lines).toEqual(['info [c] Downstream finished.']);
    expect(stops('log')).toBe(1);
  });

  it('takes its levels from the logLevels attribute; off disables', async () => {
    const { lines, logger } = recorder();
    await Source.from([1])
      .log('lv', undefined, { logger })
      .withAttributes(Attributes.logLevels({ onElement: 'info', onFinish: 'off' }))
      .runWith(Sink.ignore());
    expect(lines).toEqual(['info [lv] Element: 1']);
    const failing = recorder();
    const p = Source.failed<number>(new Boom('x'))
      .log('lv', undefined, { logger: failing.logger })
      .withAttributes(Attributes.logLevels({ onFailure: 'warn' }))
      .runWith(Sink.ignore());
    await expect(p).rejects.toMatchObject({ stage: 'failed', cause: new Boom('x') });
    expect(failing.lines).toEqual([expect.stringMatching(/^warn \[lv\] Upstream failed, cause: /)]);
  });

  it('does not call extract when element logging is off', async () => {
    const extract = jest.fn((x: number) => x);
    const { logger } = recorder();
    await Source.from([1, 2]).log('x', extract, { logger }).withAttributes(Attributes.logLevels({ onElement: 'off' })).runWith(Sink.ignore());
    expect(extract).not.toHaveBeenCalled();
  });

  it('uses console by default', async () => {
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    const info = jest.spyOn(console, 'info').mockImplementation(() => {});
    try {
      await Source.single('a').log('default').runWith(Sink.ignore());
      expect(debug).toHaveBeenCalledWith('[default] Element: a');
      expect(info).toHaveBeenCalledWith('[default] Upstream finished.');
    } finally {
      debug.mockRestore();
      info.mockRestore();
    }
  });

  it('backpressures with downstream', () => {
    const { logger } = recorder();
    const { src, sink } = harness<number, number>((s) => s.log('bp', undefined, { logger }));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
  });

  it('fails with a StageFailure when extract throws', () => {
    const { logger } = recorder();
    const { src, sink } = harness<number, number>((s) => s.log('x', () => { throw new Boom('extract'); }, { logger }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'log', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
  });

  it('a logger throwing on completion does not change the outcome', async () => {
    const logger = { ...recorder().logger, info: () => { throw new Boom('logger'); } };
    expect(await Source.from([1]).log('x', undefined, { logger }).runWith(Sink.seq())).toEqual([1]);
  });

  it('validates its arguments', () => {
    expect(() => Source.from([1]).log(5 as never)).toThrow(/log: name must be a string, got number/);
    expect(() => Source.from([1]).log('x', 5 as never)).toThrow(/log: extract must be a function, got number/);
    expect(() => Source.from([1]).log('x', undefined, { logger: {} as never })).toThrow(/log: options.logger.debug must be a function/);
  });
});
