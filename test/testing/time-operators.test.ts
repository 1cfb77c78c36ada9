import { Flow } from 'tributary';
import { testFlow } from 'tributary/testing';

// The marble kit on timer-driven operators: stage timers run on the TestScheduler's virtual time.
describe('marble tests of time-based operators', () => {
  it('throttle shapes a burst to one element per 3 frames and pulls as tokens arrive', () => {
    testFlow(Flow.create<string>().throttle(1, 3, { burst: 1 }), {
      source: 'abcd|',
      expected: 'a--b--c--(d|)',
      upstreamPulls: 'p--p--p',
    });
  });

  it('delay shifts every element by its delay', () => {
    testFlow(Flow.create<string>().delay(3), { source: '-a-b|', expected: '----a-(b|)' });
  });

  it('groupedWithin emits on size, on the timer (restarted after each group) and on completion', () => {
    testFlow(Flow.create<string>().groupedWithin(2, 5), {
      source: 'a-b-c------d|',
      expected: '--x----y----(z|)',
      expectedValues: { x: ['a', 'b'], y: ['c'], z: ['d'] },
    });
  });

  it('groupedWithin holds a due group until the demand marble asks for it', () => {
    testFlow(Flow.create<string>().groupedWithin(3, 5), {
      source: 'abcd|',
      demand: '--1-----------1',
      expected: '--x-----------(y|)',
      expectedValues: { x: ['a', 'b', 'c'], y: ['d'] },
    });
  });
});
