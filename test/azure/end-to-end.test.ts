import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CheckpointCommitter,
  Committer,
  DrainingControl,
  FileCheckpointStore,
  Keep,
  KillSwitches,
  Source,
  withLease,
  type CheckpointStore,
  type PartitionOffsets,
  type RunnableGraph,
} from 'tributary';
import { BlobCheckpointStore } from 'tributary/azure';
import { freshContainer } from '../support/azurite';

interface Change {
  readonly table: string;
  readonly seq: number;
}
type Doc = PartitionOffsets<Change>;

const TABLES = ['orders', 'invoices'];
const PER_TABLE = 150;
const MAX_BATCH = 10;
const PARALLELISM = 4;
/** The source's changes, interleaved across tables, after the checkpointed position of each table. */
function changesAfter(start: Doc | undefined): Source<Change, unknown> {
  const all: Change[] = [];
  for (let seq = 1; seq <= PER_TABLE; seq++) for (const table of TABLES) all.push({ table, seq });
  return Source.from(all.filter((c) => c.seq > (start?.offsets[c.table]?.seq ?? 0)));
}

/**
 * One run of the job: resume from the checkpoint, publish slowly (async, 4 at a time), commit acknowledged
 * offsets with Committer.sink. `onPublished` sees every published change.
 */
async function job(store: CheckpointStore<Doc>, onPublished: (c: Change) => void): Promise<{ graph: RunnableGraph<DrainingControl<void>>; start: Doc | undefined }> {
  const committer = CheckpointCommitter.perPartition(store, 'sql-1/shop', { partitionOf: (c: Change) => c.table, compare: (a, b) => a.seq - b.seq });
  const start = await committer.load();
  const graph = changesAfter(start)
    .viaMat(KillSwitches.single(), Keep.right)
    .mapAsync(PARALLELISM, async (c) => {
      await new Promise((resolve) => setImmediate(resolve)); // the slow sink
      onPublished(c);
      return c;
    })
    .toMat(Committer.sink(committer, { maxBatch: MAX_BATCH, maxIntervalMs: 20 }), DrainingControl.create);
  return { graph, start };
}

interface Backend {
  /** A fresh "process": its own store (and lease), same durable storage. */
  run(onPublished: (c: Change) => void): Promise<{ control: DrainingControl<void>; start: Doc | undefined }>;
  cleanup(): Promise<void>;
}

async function blobBackend(): Promise<Backend> {
  const container = await freshContainer();
  return {
    async run(onPublished) {
      const store = new BlobCheckpointStore<Doc>({ container, prefix: 'checkpoints/' });
      let start: Doc | undefined;
      const control = await withLease(store.lease('sql-1/shop', { durationSeconds: 15 }), async () => {
        const built = await job(store, onPublished);
        start = built.start;
        return built.graph;
      });
      return { control, start };
    },
    cleanup: async () => undefined,
  };
}

/**
 * The store as one process sees it. A killed process's last write is either on disk or not by the time its
 * successor starts; in one test process the aborted run's in-flight save goes on, so `settled()` waits for it.
 */
class ProcessStore<T> implements CheckpointStore<T> {
  private readonly inFlight = new Set<Promise<unknown>>();
  constructor(private readonly inner: CheckpointStore<T>) {}
  load(key: string) {
    return this.track(this.inner.load(key));
  }
  save(key: string, value: T, expectedVersion: string | undefined) {
    return this.track(this.inner.save(key, value, expectedVersion));
  }
  delete(key: string, expectedVersion?: string) {
    return this.track(this.inner.delete(key, expectedVersion));
  }
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
  private track<R>(p: Promise<R>): Promise<R> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }
}

async function fileBackend(): Promise<Backend> {
  const directory = mkdtempSync(path.join(tmpdir(), 'tributary-e2e-'));
  let previous: ProcessStore<Doc> | undefined;
  return {
    async run(onPublished) {
      await previous?.settled(); // the killed process is gone before the new one starts
      previous = new ProcessStore(new FileCheckpointStore<Doc>({ directory }));
      const { graph, start } = await job(previous, onPublished);
      return { control: graph.run(), start };
    },
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

describe.each([
  ['BlobCheckpointStore + BlobLease (Azurite)', blobBackend],
  ['FileCheckpointStore', fileBackend],
])('end to end with %s', (_, makeBackend) => {
  it('killed mid-stream and restarted: resumes after the last committed offset, nothing lost, duplicates bounded', async () => {
    const backend = await makeBackend();
    try {
      // Run 1: killed (aborted: nothing more is committed) after 120 changes were published.
      const first: Change[] = [];
      let control1: DrainingControl<void> | undefined;
      const run1 = await backend.run((c) => {
        first.push(c);
        if (first.length === 120) void control1?.abort(new Error('kill -9'));
      });
      control1 = run1.control;
      await expect(control1.streamCompletion).rejects.toThrow('kill -9');
      expect(run1.start).toBeUndefined();

      // Run 2: a new process resumes from the checkpoint and runs to the end.
      const second: Change[] = [];
      const run2 = await backend.run((c) => void second.push(c));
      await run2.control.streamCompletion;
      const committed = run2.start;
      expect(committed).toBeDefined();

      for (const table of TABLES) {
        const resumedAfter = committed!.offsets[table]?.seq ?? 0;
        const firstRun = first.filter((c) => c.table === table).map((c) => c.seq);
        const secondRun = second.filter((c) => c.table === table).map((c) => c.seq).sort((a, b) => a - b);
        // The checkpoint only covers what run 1 published (acknowledged), and progress was made.
        expect(resumedAfter).toBeGreaterThan(0);
        expect(new Set(firstRun).has(resumedAfter)).toBe(true);
        // Run 2 starts right after the checkpoint and goes to the end.
        expect(secondRun).toEqual(Array.from({ length: PER_TABLE - resumedAfter }, (__, i) => resumedAfter + 1 + i));
        // Nothing lost: every change was published by one run or the other.
        const all = new Set([...firstRun, ...secondRun]);
        expect(all.size).toBe(PER_TABLE);
      }
      // Duplicates: published by run 1 but not yet committed when it was killed; bounded by what was in flight
      // (a batch being filled, one being committed, and the publishing stage's parallelism).
      const duplicates = first.filter((c) => c.seq > (committed!.offsets[c.table]?.seq ?? 0)).length;
      expect(duplicates).toBeLessThanOrEqual(2 * MAX_BATCH + PARALLELISM);
      expect(first.length + second.length - duplicates).toBe(TABLES.length * PER_TABLE);
      // After a clean finish, the checkpoint is at the end of every table.
      const third = await backend.run(() => undefined);
      await third.control.streamCompletion;
      expect(third.start?.offsets).toEqual(Object.fromEntries(TABLES.map((t) => [t, { table: t, seq: PER_TABLE }])));
    } finally {
      await backend.cleanup();
    }
  });
});
