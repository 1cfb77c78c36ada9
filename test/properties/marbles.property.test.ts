import fc from 'fast-check';
import { Flow, Keep, OverflowStrategy } from 'tributary';
import { marbleTest, type MarbleEvent } from 'tributary/testing';
import { RUNS } from './arbitraries';

/** Flows that must not change timing on virtual time: elements pass as soon as there is demand. */
const flows: Record<string, (k: number) => Flow<number, number, unknown>> = {
  map: () => Flow.create<number>().map((x) => x * 2),
  buffer: (k) => Flow.create<number>().buffer(k, OverflowStrategy.backpressure).map((x) => x * 2),
  async: (k) => Flow.create<number>().async(k).map((x) => x * 2),
  'mapAsync + async': (k) => Flow.create<number>().mapAsync(k, (x) => [x * 2]).async(k),
};

const scenario = fc.record({
  flow: fc.constantFrom(...Object.keys(flows)),
  k: fc.integer({ min: 1, max: 4 }),
  gaps: fc.array(fc.nat(3), { maxLength: 12 }),
  endGap: fc.nat(3),
  demand: fc.option(fc.array(fc.record({ gap: fc.nat(4), n: fc.integer({ min: 1, max: 9 }) }), { maxLength: 6 })),
});

/** Writes events at frames (one symbol each, separated by `gap` dashes) as a marble; returns it with the frames. */
function layout(items: ReadonlyArray<{ gap: number; symbol: string }>): { marble: string; frames: number[] } {
  let marble = '';
  const frames: number[] = [];
  for (const { gap, symbol } of items) {
    marble += '-'.repeat(gap);
    frames.push(marble.length);
    marble += symbol;
  }
  return { marble, frames };
}

describe('marble tests of lossless flows under random demand marbles', () => {
  it('emit element i at max(its arrival, the frame demand reaches i+1), complete after the last one', () => {
    fc.assert(
      fc.property(scenario, ({ flow, k, gaps, endGap, demand }) => {
        const letters = gaps.map((_, i) => String.fromCharCode(97 + i));
        const src = layout([...gaps.map((gap, i) => ({ gap, symbol: letters[i]! })), { gap: endGap, symbol: '|' }]);
        const values = Object.fromEntries(letters.map((l, i) => [l, i]));
        const dem = demand && layout(demand.map(({ gap, n }) => ({ gap, symbol: String(n) })));

        // Model: cumulative demand decides when each element may leave.
        const expected: MarbleEvent[] = [];
        let cumulative = demand ? 0 : Infinity;
        let d = 0;
        let last = 0;
        for (let i = 0; i < gaps.length; i++) {
          while (cumulative < i + 1 && demand && d < demand.length) cumulative += demand[d++]!.n;
          if (cumulative < i + 1) break;
          const frame = Math.max(src.frames[i]!, demand && d > 0 ? dem!.frames[d - 1]! : 0);
          expected.push({ frame, notification: { kind: 'N', value: i * 2, error: undefined } });
          last = frame;
        }
        if (expected.length === gaps.length) {
          expected.push({ frame: Math.max(src.frames[gaps.length]!, last), notification: { kind: 'C', value: undefined, error: undefined } });
        }

        let actual: readonly MarbleEvent[] = [];
        let pulls: number[] = [];
        marbleTest((m) => {
          const [source, sink] = m.run(m.source(src.marble, values).via(flows[flow]!(k)).toMat(m.sink<number>(dem?.marble), Keep.both));
          actual = sink.events;
          pulls = source.pulls.map((p) => p.frame);
        });
        expect(actual).toEqual(expected);
        // The source only starts being pulled at the start or when the sink requests.
        const demandFrames = new Set([0, ...(dem?.frames ?? [])]);
        expect(pulls.filter((f) => !demandFrames.has(f))).toEqual([]);
      }),
      { ...RUNS, numRuns: 150 },
    );
  });
});
