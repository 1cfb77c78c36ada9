import { isEngineVariant } from '../../bench/lib/workload';
import { SPECS } from '../../bench/specs';
import { WORKLOADS } from '../../bench/workloads';

// Keeps the benchmark code from rotting: every variant runs in-process at a tiny N and must deliver the right
// number of elements. No timing is asserted here; `npm run bench` measures.
const N = 1_000;

describe('benchmark workloads', () => {
  for (const [id, workload] of Object.entries(WORKLOADS)) {
    describe(`workload ${id}`, () => {
      it('has at least one engine variant', () => {
        expect(Object.keys(workload.variants).some(isEngineVariant)).toBe(true);
      });
      for (const [name, variant] of Object.entries(workload.variants)) {
        it(`${name} delivers the expected count`, async () => {
          const outcome = await variant(N);
          expect(outcome.expected).toBeGreaterThan(0);
          expect(outcome.count).toBe(outcome.expected);
        });
      }
    });
  }

  it('plans only variants that exist', () => {
    for (const spec of SPECS) {
      for (const job of spec.jobs({ quick: true })) {
        expect(WORKLOADS[job.workload]?.variants[job.variant]).toBeDefined();
      }
    }
  });
});
