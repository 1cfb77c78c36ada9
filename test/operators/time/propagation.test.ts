import { StageFailure, type Source } from 'tributary';
import type { SourceProbe } from 'tributary/testing';
import { harness } from './harness';

type Op = (s: Source<number, SourceProbe<number>>) => Source<unknown, SourceProbe<number>>;

const operators: Array<[string, Op]> = [
  ['groupedWithin', (s) => s.groupedWithin(3, 100)],
  ['groupedWeightedWithin', (s) => s.groupedWeightedWithin(10, (x) => x, 3, 100)],
  ['throttle', (s) => s.throttle(1, 100)],
  ['delay', (s) => s.delay(100)],
  ['initialDelay', (s) => s.initialDelay(0)],
  ['takeWithin', (s) => s.takeWithin(100)],
  ['idleTimeout', (s) => s.idleTimeout(100)],
  ['initialTimeout', (s) => s.initialTimeout(100)],
  ['completionTimeout', (s) => s.completionTimeout(100)],
  ['keepAlive', (s) => s.keepAlive(100, () => 0)],
  ['conflate', (s) => s.conflate((a, b) => a + b)],
  ['batch', (s) => s.batch(3, (x) => [x], (acc, x) => [...acc, x])],
];

describe('time operators pass an upstream stage failure on unchanged', () => {
  it.each(operators)('%s', (name, op) => {
    const boom = new Error('upstream bug');
    const h = harness<number, unknown>((s) => op(s.map((x) => { if (x === 2) throw boom; return x; })));
    h.sink.request(10);
    h.src.sendNext(1).sendNext(2);
    // Element 1 may have been emitted (or be held); then the stream fails with the map stage's own failure.
    expect(h.sink.unread).toBeGreaterThanOrEqual(1);
    expect(h.sink.unread).toBeLessThanOrEqual(2);
    if (h.sink.unread === 2) h.sink.expectNextN(1);
    const error = h.sink.expectFailure();
    expect(error).toBeInstanceOf(StageFailure);
    expect((error as StageFailure).stage).toBe('map');
    expect((error as StageFailure).cause).toBe(boom);
    h.src.expectCancellation();
    expect(h.timers).toBe(0);
    expect(h.stops(name)).toBe(1);
  });
});
