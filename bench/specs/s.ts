import { mb, pct, rate, ratio, spread, table } from '../lib/format';
import { check, type Results, type Section, type Spec } from '../lib/spec';
import type { Job, RunRecord } from '../lib/spawn';

/** Messages per run: enough for the connection set-up (~150 ms) to be noise, few enough to keep the broker's record small. */
const N: Readonly<Record<string, { readonly full: number; readonly quick: number }>> = {
  'tributary-batching-1k': { full: 50_000, quick: 5_000 },
  'sdk-per-message-1k': { full: 5_000, quick: 1_000 },
  'tributary-batching-64k': { full: 2_000, quick: 300 },
  'sdk-per-message-64k': { full: 1_000, quick: 200 },
  'tributary-batching-1k-same-thread': { full: 50_000, quick: 5_000 },
  'sdk-per-message-1k-same-thread': { full: 5_000, quick: 1_000 },
  'tributary-batching-1k-rtt1ms': { full: 50_000, quick: 5_000 },
  'sdk-per-message-1k-rtt1ms': { full: 2_000, quick: 300 },
};
const PAIRS: readonly (readonly [string, string, string])[] = [
  ['1 KB', 'tributary-batching-1k', 'sdk-per-message-1k'],
  ['64 KB', 'tributary-batching-64k', 'sdk-per-message-64k'],
  ['1 KB, broker on the client thread', 'tributary-batching-1k-same-thread', 'sdk-per-message-1k-same-thread'],
  ['1 KB, acknowledgements 1 ms late', 'tributary-batching-1k-rtt1ms', 'sdk-per-message-1k-rtt1ms'],
];

const messagesPerSec = (run: RunRecord): number | undefined => {
  const s = run.result?.metrics['sendSeconds'];
  return s === undefined || run.result === undefined ? undefined : run.result.count / s;
};
const batchesPerSec = (run: RunRecord): number | undefined => {
  const s = run.result?.metrics['sendSeconds'];
  const batches = run.result?.metrics['batches'];
  return s === undefined || batches === undefined ? undefined : batches / s;
};
const fill = (run: RunRecord): number | undefined => {
  const bytes = run.result?.metrics['fullBytes'];
  const capacity = run.result?.metrics['fullCapacity'];
  return bytes === undefined || !capacity ? undefined : (bytes / capacity) * 100;
};
/** The best fill possible with whole messages of the run's size: ⌊capacity / message⌋ · message / capacity. */
const fillBound = (run: RunRecord): number | undefined => {
  const m = run.result?.metrics;
  if (!m?.['fullBatches'] || !m['fullCapacity'] || !m['bytes'] || !run.result) return undefined;
  const capacity = m['fullCapacity'] / m['fullBatches'];
  const perMessageBytes = m['bytes'] / run.result.count;
  return ((Math.floor(capacity / perMessageBytes) * perMessageBytes) / capacity) * 100;
};

export const specS: Spec = {
  id: 'S',
  title: 'S — Service Bus sink vs one message per send, against the AMQP test broker (real @azure/service-bus client, loopback)',

  jobs: (o): Job[] =>
    Object.entries(N).map(([variant, n]) => ({
      workload: 'S',
      variant,
      n: o.quick ? n.quick : n.full,
      mode: 'throughput' as const,
      runs: o.runs ?? (o.quick ? 1 : 3),
      timeoutMs: 180_000,
    })),

  report(r: Results): Section {
    const median = (v: string, f: (run: RunRecord) => number | undefined) => r.summary(v, f)?.median;
    const speedup = (batching: string, single: string): number | undefined => {
      const a = median(batching, messagesPerSec);
      const b = median(single, messagesPerSec);
      return a === undefined || b === undefined ? undefined : a / b;
    };
    const rows = PAIRS.flatMap(([, batching, single]) =>
      [batching, single].map((v) => [
        v,
        spread(r.summary(v, messagesPerSec), rate),
        spread(r.summary(v, batchesPerSec), rate),
        v === batching ? spread(r.summary(v, fill), pct) : '—',
        v === batching ? spread(r.summary(v, fillBound), pct) : '—',
        spread(r.summary(v, (run) => run.result?.metrics['batches']), (x) => x.toFixed(0)),
        spread(r.rss(v), mb),
        v === batching ? ratio(speedup(batching, single)) : '',
      ]),
    );
    const text =
      table(['variant', 'messages/s median (min–max)', 'batches/s', 'full-batch fill', 'best possible fill', 'transfers', 'peak RSS MB', 'vs per-message'], rows) +
      '\nmessages/s and batches/s: from the first element to the last acknowledgement, connection set-up included. The broker\n' +
      'runs on a worker thread of its own (as the service runs elsewhere); -same-thread: on the client\'s thread, its decoding\n' +
      'taking turns with the client; -rtt1ms: it acknowledges each send 1 ms late, a stand-in for the round trip to a real\n' +
      'namespace (a loopback send takes ~0.3 ms, which caps the plain 1 KB ratio: batching is bound by the SDK encoding each\n' +
      "message). fill = bytes of the batches closed because the next message did not fit ÷ their capacity (the link's\n" +
      'max_message_size: 256 KB); best possible = ⌊capacity ÷ message size⌋ whole messages (64 KB messages: 3 fit, ~75 %).';
    const fillOfBound = (v: string): number | undefined => {
      const f = median(v, fill);
      const b = median(v, fillBound);
      return f === undefined || b === undefined ? undefined : (f / b) * 100;
    };
    const checks = [
      check('S: batching ≥ 20× the per-message rate (1 KB)', speedup('tributary-batching-1k', 'sdk-per-message-1k'), ratio, (x) => x >= 20),
      check('S: full batches ≥ 90 % filled (1 KB)', median('tributary-batching-1k', fill), pct, (x) => x >= 90),
      check('S: full batches ≥ 90 % of the best possible fill (64 KB)', fillOfBound('tributary-batching-64k'), pct, (x) => x >= 90),
    ];
    return { text, checks };
  },
};
