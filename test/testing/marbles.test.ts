import { map, timer } from 'rxjs';
import { Flow, GraphStageLogic, Keep, NoMoreElementsNeeded, OverflowStrategy, Source, SourceShape, Outlet, SimpleGraphStage, StageFailure } from 'tributary';
import type { StageContext } from 'tributary';
import { MarbleAssertionError, assertMarbleEqual, marbleTest, testFlow } from 'tributary/testing';

const upper = Flow.create<string>().map((x) => x.toUpperCase());
const UP = { A: 'A', B: 'B', C: 'C', D: 'D' };

function messageOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected the marble test to fail, but it passed');
}

describe('testFlow', () => {
  it('uses plain marble semantics when no demand marble is given', () => {
    testFlow(upper, { source: '-a-b-c|', expected: '-A-B-C|', expectedValues: { A: 'A', B: 'B', C: 'C' } });
  });

  it('maps letters to values and defaults expectedValues to values', () => {
    testFlow(Flow.create<number>().filter((x) => x % 2 === 1), {
      source: 'a-b-c-d|',
      values: { a: 1, b: 2, c: 3, d: 4 },
      expected: 'a---c--|',
    });
  });

  it('holds elements in the source until the demand marble requests them, and records the pulls', () => {
    testFlow(upper, {
      source: '-a-b-c|',
      demand: '^--1---2',
      expected: '---A---(BC|)',
      expectedValues: UP,
      upstreamPulls: '---p---p',
    });
  });

  it('records pulls as transitions from no demand to demand, at most one per frame', () => {
    // request(3) at frame 1 while only one element waits: demand stays after it, so frame 4 is no new pull.
    testFlow(upper, {
      source: 'a---b-c-d|',
      demand: '-3------9',
      expected: '-A--B-C-D|',
      expectedValues: UP,
      upstreamPulls: '-p------p',
    });
  });

  it('accepts demandValues, including Infinity', () => {
    testFlow(upper, {
      source: 'abcd|',
      demand: '--x---u',
      demandValues: { x: 2, u: Infinity },
      expected: '--(AB)(CD|)',
      expectedValues: UP,
    });
  });

  it('shows a buffer absorbing elements while downstream backpressures', () => {
    testFlow(Flow.create<string>().buffer(2, OverflowStrategy.backpressure), {
      source: 'abcdef|',
      demand: '---1--3----9',
      expected: '---a--(bcd)(ef|)',
      // the buffer pulls at start, again once drained to half (frame 3, frame 6)
      upstreamPulls: 'p--p--p',
    });
  });

  it('checks that take completes early and cancels upstream', () => {
    testFlow(Flow.create<string>().take(2), {
      source: '-a-b-c|',
      expected: '-a-(b|)',
      upstreamSubscription: '^--!',
    });
  });

  it('cancels at ! in the demand marble and the cancellation reaches the source', () => {
    testFlow(upper, {
      source: '-a-b-c-d|',
      demand: '^9---!',
      expected: '-A-B',
      expectedValues: UP,
      upstreamSubscription: '^----!',
    });
  });

  it('compares errors by root cause, with the source error as the default expectedError', () => {
    const boom = new Error('boom');
    testFlow(upper, { source: '-a-#', values: { a: 'a' }, error: boom, expected: '-A-#', expectedValues: { A: 'A' } });
  });

  it('accepts a predicate for the delivered failure (a StageFailure naming the stage)', () => {
    const failing = Flow.create<string>().map((x) => {
      if (x === 'c') throw new Error('bad c');
      return x;
    });
    testFlow(failing, {
      source: 'a-b-c-d|',
      expected: 'a-b-#',
      expectedError: (e: unknown) => e instanceof StageFailure && e.stage === 'map' && (e.cause as Error).message === 'bad c',
      upstreamSubscription: '^---!',
    });
  });

  it('supports hot sources: events before the start are lost, later ones still wait for demand', () => {
    testFlow(upper, {
      source: 'a-^-b-c-d|',
      hot: true,
      demand: '^---1---9',
      expected: '----B---(CD|)',
      expectedValues: UP,
    });
  });

  it('runs stage timers and rxjs timers on virtual time', () => {
    const slow = Flow.create<string>().mapAsync(2, (x) => timer(x === 'a' ? 5 : 1).pipe(map(() => x.toUpperCase())));
    testFlow(slow, { source: 'ab|', expected: '-----(AB|)', expectedValues: UP });
  });

  it('runs the README example (letters are the values when no values are given)', () => {
    testFlow(Flow.create<string>().map((s) => s.toUpperCase()), {
      source: '-a-b-c|',
      demand: '^-1---2',
      expected: '--A---(BC|)',
      upstreamPulls: '--p---p',
    });
  });

  it('runs with a jest assertion', () => {
    testFlow(upper, { source: 'a|', expected: 'A|', expectedValues: UP, assert: (a, e) => expect(a).toEqual(e) });
  });
});

describe('failing expectations', () => {
  it('report the output with both marbles and a frame-by-frame table', () => {
    const message = messageOf(() => testFlow(upper, { source: '-a-b|', expected: '-A--B|', expectedValues: UP }));
    expect(message).toBe(
      [
        'output did not match',
        '  expected: -A--B|',
        '  actual:   -A-B|',
        '',
        '   frame  expected                        actual',
        '       1  next "A"                        next "A"',
        '✗      3  —                               next "B"',
        '✗      4  next "B"                        complete',
        '✗      5  complete                        —',
      ].join('\n'),
    );
  });

  it('name the wrong error', () => {
    const message = messageOf(() =>
      testFlow(upper, { source: '#', error: new Error('actual'), expected: '#', expectedError: new Error('other') }),
    );
    expect(message).toMatch(/✗ +0 +error Error: other +error Error: actual/);
  });

  it('report wrong upstream pulls and subscriptions', () => {
    expect(messageOf(() => testFlow(upper, { source: 'a|', demand: '--1', expected: '--(A|)', expectedValues: UP, upstreamPulls: 'p' }))).toMatch(
      /^upstream pulls did not match\n {2}expected: p\n {2}actual: {3}--p/,
    );
    expect(messageOf(() => testFlow(upper, { source: 'a-b|', expected: 'A-B|', expectedValues: UP, upstreamSubscription: '^-!' }))).toBe(
      'upstream subscriptions did not match\n  expected: ^-!\n  actual:   ^--!',
    );
  });

  it('throw MarbleAssertionError with the default assert', () => {
    expect(() => testFlow(upper, { source: 'a|', expected: 'a|' })).toThrow(MarbleAssertionError);
  });

  it('label jest assertion failures', () => {
    expect(() =>
      testFlow(upper, { source: 'a|', expected: 'a|', assert: (a, e) => expect(a).toEqual(e) }),
    ).toThrow(/^output: /);
  });

  it('say when virtual time stopped with work left', () => {
    const message = messageOf(() =>
      marbleTest(
        (m) => {
          const out = m.run(Source.fromGraph(new Ticker(10)).toMat(m.sink<number>(), Keep.right));
          m.expectOutput(out).toBe('-');
        },
        { maxFrames: 35 },
      ),
    );
    expect(message).toContain('virtual time stopped at frame 35 (maxFrames) with 1 action(s) still scheduled');
  });
});

describe('marble input validation', () => {
  it('rejects letters missing from values', () => {
    expect(() => testFlow(upper, { source: 'ab|', values: { a: 'a' }, expected: '' })).toThrow("marble 'ab|': 'b' has no entry in values");
  });
  it('rejects bad demand marbles', () => {
    expect(() => testFlow(upper, { source: 'a|', demand: '1|', expected: '' })).toThrow(/'\|' and '#' are not allowed/);
    expect(() => testFlow(upper, { source: 'a|', demand: '-x', expected: '' })).toThrow(/'x' must be a digit 1-9/);
    expect(() => testFlow(upper, { source: 'a|', demand: '0', expected: '' })).toThrow(/'0' must be a digit 1-9/);
  });
});

describe('marbleTest', () => {
  it('runs several streams on one virtual clock, with RxJS helpers for inner observables', () => {
    marbleTest((m) => {
      const { cold } = m.helpers;
      const [, first] = m.run(
        m.source('a-b|').mapAsync(2, (x) => cold('---(y|)', { y: x + x })).toMat(m.sink<string>(), Keep.both),
      );
      const [src, second] = m.run(m.source('-c|').toMat(m.sink<string>('---1'), Keep.both));
      m.expectOutput(first).toBe('---x-(y|)', { x: 'aa', y: 'bb' });
      m.expectOutput(second).toBe('---(c|)');
      m.expectPulls(src).toBe('---p');
      m.expectSubscriptions(src).toBe('^-!');
    });
  });

  it('runs the doc example with two marble sources in one graph', () => {
    marbleTest((m) => {
      const left = m.source('-a--b|');
      const [, out] = m.run(m.source('--x|').merge(left).toMat(m.sink<string>('^3'), Keep.both));
      m.expectOutput(out).toBe('-ax-b|');
    });
  });

  it('exposes the sink handle for imperative demand and its received elements', () => {
    let elements: string[] = [];
    let failure: unknown;
    marbleTest((m) => {
      const [src, out] = m.run(m.source('abc#').toMat(m.sink<string>('-'), Keep.both));
      m.scheduler.schedule(() => out.request(1), 2);
      m.scheduler.schedule(() => {
        expect(src.pending).toBe(2);
        out.request(5);
        elements = out.elements;
        failure = out.failure;
      }, 6);
      m.expectOutput(out).toBe('--a---(bc#)');
    });
    expect(elements).toEqual(['a', 'b', 'c']);
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).stage).toBe('marbleSource');
  });

  it('records the cancellation cause on the source handle', () => {
    let cause: unknown;
    marbleTest((m) => {
      const [src] = m.run(m.source('a-b-c|').take(1).toMat(m.sink<string>(), Keep.both));
      m.scheduler.schedule(() => (cause = src.cancelCause), 5);
      m.expectSubscriptions(src).toBe('(^!)');
    });
    expect(cause).toBeInstanceOf(NoMoreElementsNeeded);
  });

  it('stops virtual time by default 1000 frames after the last marble frame', () => {
    let seen = 0;
    marbleTest((m) => {
      const out = m.run(Source.fromGraph(new Ticker(100)).toMat(m.sink<number>('--2'), Keep.right));
      m.scheduler.schedule(() => (seen = out.elements.length), 1500);
      m.expectOutput(out).toBe('100ms a 99ms b', { a: 1, b: 2 });
    });
    expect(seen).toBe(0); // frame 1500 is past the default horizon (2 + 1000 frames of slack)
  });

  it('has a default assert usable with TestScheduler directly', () => {
    expect(() => assertMarbleEqual([1], [2])).toThrow('marbles did not match\nexpected: [2]\nactual:   [1]');
    expect(() => assertMarbleEqual({ a: new Error('x') }, { a: new Error('x') })).not.toThrow();
  });
});

/** Emits 1, 2, 3… every `periodMs` while pulled, forever (a periodic timer that never stops by itself). */
class Ticker extends SimpleGraphStage<SourceShape<number>> {
  readonly shape = new SourceShape(new Outlet<number>('ticker.out'));
  constructor(private readonly periodMs: number) {
    super();
  }
  createLogic(ctx: StageContext): GraphStageLogic {
    const out = this.shape.out;
    const period = this.periodMs;
    return new (class extends GraphStageLogic {
      private n = 0;
      constructor() {
        super(ctx, [], [out]);
        this.setHandler(out, { onPull: () => {} });
      }
      override preStart(): void {
        this.schedulePeriodically('tick', period);
      }
      protected override onTimer(): void {
        this.n++;
        if (this.isAvailable(out)) this.push(out, this.n);
      }
    })();
  }
}
