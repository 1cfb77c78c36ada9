import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { Materializer, type MaterializerSettings } from '../core/materializer';

/**
 * A virtual clock for tests: every timer of a stream run with `clock.materializer()` waits until the test
 * advances the clock. Time only moves when you say so.
 *
 * @example
 * const clock = new TestClock();
 * const probe = Source.tick(0, 100, 'x').runWith(TestSink.probe(clock), clock.materializer());
 * probe.request(2);
 * clock.advance(100);
 * probe.expectNext('x', 'x');
 */
export class TestClock extends VirtualTimeScheduler {
  constructor() {
    super(VirtualAction, Number.POSITIVE_INFINITY);
  }

  /** Runs every action due within `ms` from now (in time order), then sets the clock to now + `ms`. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`TestClock.advance: ms must be >= 0, got ${String(ms)}`);
    const target = this.frame + ms;
    this.maxFrames = target;
    try {
      this.flush();
    } finally {
      this.maxFrames = Number.POSITIVE_INFINITY;
    }
    this.frame = target;
  }

  /** Runs everything due now (e.g. continuations of long synchronous runs that yielded). */
  tick(): void {
    this.advance(0);
  }

  /** Milliseconds of virtual time elapsed. */
  get nowMs(): number {
    return this.frame;
  }

  /** A materializer whose timers and yields run on this clock. */
  materializer(settings: Omit<MaterializerSettings, 'scheduler'> = {}): Materializer {
    return new Materializer({ ...settings, scheduler: this });
  }
}
