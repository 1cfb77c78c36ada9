import { Sink, Source } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('intersperse', () => {
  it('injects between elements, with start and end', async () => {
    expect(await Source.from(['a', 'b']).intersperse(',', '[', ']').runWith(Sink.seq())).toEqual(['[', 'a', ',', 'b', ']']);
    expect(await Source.from(['a', 'b', 'c']).intersperse(',').runWith(Sink.seq())).toEqual(['a', ',', 'b', ',', 'c']);
    expect(await Source.from(['a']).intersperse(',', undefined, '.').runWith(Sink.seq())).toEqual(['a', '.']);
  });

  it('emits only start and end for an empty stream', async () => {
    expect(await Source.empty<string>().intersperse(',', '[', ']').runWith(Sink.seq())).toEqual(['[', ']']);
    expect(await Source.empty<string>().intersperse(',').runWith(Sink.seq())).toEqual([]);
  });

  it('emits one element per pull and backpressures upstream while one waits', () => {
    const { src, sink } = harness<string, string>((s) => s.intersperse(',', '['));
    sink.request(1);
    src.sendNext('a');
    sink.expectNext('[');
    src.expectNoRequest();
    sink.request(1).expectNext('a');
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext('b');
    sink.expectNext(',');
    src.expectNoRequest();
    sink.request(1).expectNext('b');
  });

  it('emits the end only when asked, then completes', () => {
    const { src, sink, stops } = harness<string, string>((s) => s.intersperse(',', undefined, ']'));
    sink.request(1);
    src.sendNext('a').sendComplete();
    sink.expectNext('a').expectNoMessage();
    expect(stops('intersperse')).toBe(0);
    sink.request(1).expectNext(']').expectComplete();
    expect(stops('intersperse')).toBe(1);
  });

  it('passes an upstream failure on at once', () => {
    const { src, sink } = harness<string, string>((s) => s.intersperse(',', '[', ']'));
    sink.request(1);
    src.sendNext('a');
    sink.expectNext('[');
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('cancels upstream when downstream cancels, also with an element waiting', () => {
    const { src, sink, stops } = harness<string, string>((s) => s.intersperse(','));
    sink.request(2);
    src.sendNext('a').sendNext('b');
    sink.expectNext('a', ',');
    sink.cancel();
    src.expectCancellation();
    sink.expectNoMessage();
    expect(stops('intersperse')).toBe(1);
  });

  it('validates inject', () => {
    expect(() => Source.from(['a']).intersperse(undefined as never)).toThrow(/intersperse: inject must not be undefined/);
  });
});
