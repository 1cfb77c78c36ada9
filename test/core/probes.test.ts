import { map, timer } from 'rxjs';
import { Keep, Source } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

describe('probes', () => {
  it('drive demand and cancellation', () => {
    const [src, sink] = TestSource.probe<number>().map((x) => x * 2).toMat(TestSink.probe<number>(), Keep.both).run();
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest();
    src.sendNext(1).sendNext(2);
    sink.expectNext(2).expectNoMessage();
    sink.request(1).expectNext(4);
    sink.cancel();
    src.expectCancellation();
  });
  it('take(1) cancels upstream', () => {
    const [src, sink] = TestSource.probe<number>().take(1).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(5);
    src.sendNext(9);
    sink.expectNext(9).expectComplete();
    src.expectCancellation();
  });
  it('mapAsync with observables under virtual time', () => {
    const clock = new TestClock();
    const sink = Source.range(1, 3)
      .mapAsync(2, (x: number) => timer(10 * (4 - x), clock).pipe(map(() => x)))
      .runWith(TestSink.probe<number>(clock), clock.materializer());
    sink.request(3);
    sink.expectNoMessage(25);
    clock.advance(5);
    sink.expectNext(1, 2);
    clock.advance(10);
    sink.expectNext(3).expectComplete();
  });
});
