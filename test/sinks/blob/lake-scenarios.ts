import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import {
  CheckpointCommitter, Committer, InMemoryCheckpointStore, Keep, KillSwitches, Sink, Source, StageFailure, rootCause,
  type PartitionOffsets,
} from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';
import { decodeBatches, formats, rowsOf, schemaFingerprint, toRecordBatches, toRecordBatchesWithContext } from 'tributary/flows/arrow';
import { lakeFlow, lakeFlowWithContext, lakeSink, type FileStore, type FileUpload, type WrittenFile } from 'tributary/sinks/blob';
import { eventually } from '../../support/eventually';

/** A store under test plus ways to look at it from outside. */
export interface StoreUnderTest {
  readonly store: FileStore;
  /** Files a reader sees. */
  visible(): Promise<string[]>;
  /** Files being written that a reader must not see (temporary files, uncommitted blobs). */
  staged(): Promise<string[]>;
}

/** A deferred: a promise the test settles. */
function gate(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The real store, with commits that wait for `commitGate` (when set) and a log of what happened in order. */
export function observed(inner: FileStore): FileStore & { log: string[]; commitGate?: Promise<void>; failCommitOf?: number } {
  const self = {
    log: [] as string[],
    commitGate: undefined as Promise<void> | undefined,
    failCommitOf: undefined as number | undefined,
    description: inner.description,
    async create(path: string, contentType: string): Promise<FileUpload> {
      const upload = await inner.create(path, contentType);
      self.log.push(`create ${path}`);
      return {
        append: (chunks) => upload.append(chunks),
        async commit() {
          await self.commitGate;
          const n = self.log.filter((l) => l.startsWith('commit ')).length + 1;
          if (n === self.failCommitOf) throw new Error(`storage refused commit #${n}`);
          await upload.commit();
          self.log.push(`commit ${path}`);
        },
        async abort() {
          await upload.abort();
          self.log.push(`abort ${path}`);
        },
      };
    },
    async put(path: string, bytes: Uint8Array, contentType: string) {
      await inner.put(path, bytes, contentType);
      self.log.push(`put ${path}`);
    },
    list: (prefix?: string) => inner.list(prefix),
    read: (path: string) => inner.read(path),
  };
  return self;
}

const rowsOfFile = async (store: FileStore, path: string, schema?: RecordBatch['schema']) =>
  (await decodeBatches(formats.forPath(path), await store.read(path), schema ? { schema } : {})).flatMap((b) => [...rowsOf(b)]);

const orders = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i, customer: `c${(from + i) % 7}`, note: 'ø'.repeat((from + i) % 5) }));

/** The lake sink's behaviour against one store; `setup` gives a fresh, empty store per test. */
export function lakeScenarios(setup: () => Promise<StoreUnderTest>): void {
  let s: StoreUnderTest;
  beforeEach(async () => {
    s = await setup();
  });

  it('writes parquet files under data/{streamId}/{table}/{yyyy}/{MM}/{dd}/ that read back to exactly the rows written', async () => {
    const clock = new TestClock();
    clock.advance(Date.UTC(2024, 1, 29, 13, 0, 0));
    const rows = orders(2_500);
    const summary = await Source.from(rows)
      .via(toRecordBatches({ inferFrom: 'first', table: 'dbo.orders', maxRows: 1_000 }))
      .runWith(lakeSink({ store: s.store, streamId: 'orders-cdc' }), clock.materializer());
    const files = await s.visible();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^data\/orders-cdc\/dbo\.orders\/2024\/02\/29\/part-[0-9a-f-]{36}\.parquet$/);
    expect(summary).toMatchObject({ files: 1, rows: 2_500, lastFile: files[0], completionMarker: undefined });
    expect(await rowsOfFile(s.store, files[0]!)).toEqual(rows);
    expect(await s.staged()).toEqual([]);
  });

  it('rolls files at maxRowsPerFile exactly (splitting batches) and near maxBytesPerFile', async () => {
    const byRows = await Source.from(orders(2_500))
      .via(toRecordBatches({ inferFrom: 'first', maxRows: 300 }))
      .via(lakeFlow({ store: s.store, streamId: 'r', format: 'arrow-ipc-stream', maxRowsPerFile: 1_000, pathTemplate: 'rows/part-{seq}-{uuid}.{ext}' }))
      .runWith(Sink.seq());
    expect(byRows.map((f) => f.rows)).toEqual([1_000, 1_000, 500]);
    const files = await s.visible();
    expect(files).toEqual(byRows.map((f) => f.path).sort());
    expect(byRows.map((f) => f.path)).toEqual([...byRows.map((f) => f.path)].sort()); // {seq} orders them
    const read = await Promise.all(byRows.map((f) => rowsOfFile(s.store, f.path)));
    expect(read.map((r) => r.length)).toEqual([1_000, 1_000, 500]);
    expect(read.flat()).toEqual(orders(2_500));

    const maxBytes = 32 * 1024;
    const byBytes = await Source.from(orders(3_000))
      .via(toRecordBatches({ inferFrom: 'first', maxRows: 700 }))
      .via(lakeFlow({ store: s.store, streamId: 'b', format: 'arrow-ipc-stream', maxBytesPerFile: maxBytes }))
      .runWith(Sink.seq());
    expect(byBytes.length).toBeGreaterThanOrEqual(3);
    for (const f of byBytes) {
      expect(f.bytes).toBe((await s.store.read(f.path)).byteLength);
      expect(f.bytes).toBeLessThanOrEqual(maxBytes + 1024); // + the schema message and framing
    }
    expect(byBytes.slice(0, -1).every((f) => f.bytes > maxBytes * 0.75)).toBe(true);
    expect(byBytes.reduce((n, f) => n + f.rows, 0)).toBe(3_000);
  });

  it('rolls a file by age (virtual time): nothing is visible before maxFileAgeMs, the file is after', async () => {
    const clock = new TestClock();
    const store = observed(s.store);
    const [src, files] = TestSource.probe<RecordBatch>()
      .via(lakeFlow({ store, streamId: 'age', maxFileAgeMs: 10_000, format: 'ndjson' }))
      .toMat(TestSink.probe<WrittenFile>(clock), Keep.both)
      .run(clock.materializer());
    files.request(10);
    const [batch] = await Source.from(orders(300)).via(toRecordBatches({ inferFrom: 'first' })).runWith(Sink.seq());
    await eventually(() => src.hasDemand);
    src.sendNext(batch!);
    await eventually(() => store.log.length === 1 && src.hasDemand); // created, written, asking for more
    clock.advance(9_999);
    expect(await s.visible()).toEqual([]);
    expect(await s.staged()).toHaveLength(1);
    clock.advance(1);
    await eventually(() => files.unread === 1);
    const [file] = files.expectNextN(1);
    expect(await s.visible()).toEqual([file!.path]);
    expect(file!.rows).toBe(300);
    src.sendComplete();
    await eventually(() => files.expectComplete());
  });

  it('makes a file visible only when complete; a failed stream leaves nothing visible', async () => {
    const store = observed(s.store);
    const [src, done] = TestSource.probe<RecordBatch>()
      .toMat(lakeSink({ store, streamId: 'atomic', format: 'arrow-ipc-file' }), Keep.both)
      .run();
    const batches = await Source.from(orders(3_000)).via(toRecordBatches({ inferFrom: 'first', maxRows: 1_000 })).runWith(Sink.seq());
    for (const b of batches.slice(0, 2)) {
      await eventually(() => src.hasDemand);
      src.sendNext(b);
    }
    await eventually(() => src.hasDemand); // both batches are in the open file
    expect(await s.visible()).toEqual([]);
    expect(await s.staged()).toHaveLength(1);
    src.sendNext(batches[2]!).sendComplete();
    const summary = await done;
    const files = await s.visible();
    expect(files).toHaveLength(1);
    expect(summary.rows).toBe(3_000);
    expect(await rowsOfFile(s.store, files[0]!)).toEqual(orders(3_000));

    const failing = observed(s.store);
    const [src2, done2] = TestSource.probe<RecordBatch>().toMat(lakeSink({ store: failing, streamId: 'broken' }), Keep.both).run();
    await eventually(() => src2.hasDemand);
    src2.sendNext(batches[0]!);
    await eventually(() => src2.hasDemand);
    src2.sendError(new Error('source broke'));
    await expect(done2).rejects.toMatchObject({ stage: 'lakeSink' });
    await eventually(() => failing.log.some((l) => l.startsWith('abort ')));
    expect((await s.visible()).filter((f) => f.startsWith('data/broken'))).toEqual([]);
  });

  it('acknowledges contexts only after the file holding their rows is committed, in order', async () => {
    const store = observed(s.store);
    const commit = gate();
    store.commitGate = commit.promise;
    const [src, acks] = TestSource.probe<[RecordBatch, readonly number[]]>()
      .via(lakeFlowWithContext<number>({ store, streamId: 'acks', format: 'parquet', maxRowsPerFile: 5 }).asFlow())
      .toMat(TestSink.probe<[WrittenFile | undefined, number]>(), Keep.both)
      .run();
    acks.request(100);
    const batches = await Source.from(orders(8)).via(toRecordBatches({ inferFrom: 'first', maxRows: 4 })).runWith(Sink.seq());
    await eventually(() => src.hasDemand);
    src.sendNext([batches[0]!, [0, 1, 2, 3]]);
    await eventually(() => src.hasDemand);
    expect(acks.unread).toBe(0); // file open, 4 rows: nothing acknowledged
    src.sendNext([batches[1]!, [4, 5, 6, 7]]); // fills the first file (5 rows) and starts the second
    await eventually(() => store.log.filter((l) => l.startsWith('create ')).length === 1);
    expect(acks.unread).toBe(0); // the commit waits at the gate: still nothing
    expect(await s.visible()).toEqual([]);
    commit.open();
    src.sendComplete();
    await eventually(() => acks.expectComplete());
    const received = acks.received;
    // Batch 0 ends in file 1; batch 1's last row is in file 2: its contexts come with file 2.
    expect(received.map(([, ctx]) => ctx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const [first, second] = store.log.filter((l) => l.startsWith('commit ')).map((l) => l.slice('commit '.length));
    expect(received.map(([f]) => f?.path)).toEqual([first, first, first, first, second, second, second, second]);
    expect((await Promise.all([first!, second!].map((p) => rowsOfFile(s.store, p)))).map((r) => r.length)).toEqual([5, 3]);
  });

  it('fills one file per table when tables interleave; contexts still come in input order', async () => {
    const table = async (name: string, ids: number[]) =>
      (await Source.from(ids.map((id) => ({ id }))).via(toRecordBatches({ inferFrom: 'first', table: name })).runWith(Sink.seq()))[0]!;
    const [a1, b1, a2] = [await table('a', [1, 2]), await table('b', [10]), await table('a', [3, 4])];
    const store = observed(s.store);
    const [src, acks] = TestSource.probe<[RecordBatch, readonly string[]]>()
      .via(lakeFlowWithContext<string>({ store, streamId: 'mix', format: 'arrow-ipc-stream', maxRowsPerFile: 3 }).asFlow())
      .toMat(TestSink.probe<[WrittenFile | undefined, string]>(), Keep.both)
      .run();
    acks.request(100);
    const elements: [RecordBatch, readonly string[]][] = [[a1, ['a1', 'a2']], [b1, ['b10']], [a2, ['a3', 'a4']]];
    for (const element of elements) {
      await eventually(() => src.hasDemand);
      src.sendNext(element);
    }
    await eventually(() => src.hasDemand);
    // Table a's first file filled up (3 rows) and was committed; b's file is open, so b10 — and a3, a4 after it — wait.
    expect(acks.received.map(([, c]) => c)).toEqual(['a1', 'a2']);
    expect((await s.visible()).length).toBe(1);
    src.sendComplete();
    await eventually(() => acks.expectComplete());
    expect(acks.received.map(([, c]) => c)).toEqual(['a1', 'a2', 'b10', 'a3', 'a4']);
    const files = acks.received.map(([f]) => [f!.table, f!.rows]);
    expect(files).toEqual([['a', 3], ['a', 3], ['b', 1], ['a', 1], ['a', 1]]);
    expect(store.log.filter((l) => l.startsWith('create ')).length).toBe(3);

    // With one open file at most, every switch of table commits the open file.
    const one = await Source.from([a1, b1, a2]).via(lakeFlow({ store: s.store, streamId: 'one', maxOpenFiles: 1 })).runWith(Sink.seq());
    expect(one.map((f) => [f.table, f.rows])).toEqual([['a', 2], ['b', 1], ['a', 2]]);
  });

  it('with the committer: the checkpoint covers exactly the rows in committed files, also when storage fails', async () => {
    type Offset = { readonly table: string; readonly n: number };
    const run = async (store: FileStore) => {
      const checkpoints = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
      const committer = CheckpointCommitter.perPartition(checkpoints, 'lake', { partitionOf: (o: Offset) => o.table, compare: (a, b) => a.n - b.n });
      const done = Source.from(orders(1_000))
        .asSourceWithContext((r): Offset => ({ table: 'orders', n: r.id }))
        .via(toRecordBatchesWithContext<ReturnType<typeof orders>[number], Offset>({ inferFrom: 'first', maxRows: 100 }))
        .via(lakeFlowWithContext<Offset>({ store, streamId: 'committed', format: 'arrow-ipc-stream', maxRowsPerFile: 250 }))
        .toMat(Committer.sinkWithContext(committer, { maxBatch: 1 }), Keep.right)
        .run();
      const outcome = await done.then(() => 'completed', (e: unknown) => e);
      return { outcome, checkpoint: (await checkpoints.load('lake'))?.value.offsets['orders']?.n };
    };
    const ok = await run(s.store);
    expect(ok).toEqual({ outcome: 'completed', checkpoint: 999 });

    const flaky = observed(s.store);
    flaky.failCommitOf = 3;
    const failed = await run(flaky);
    expect(rootCause(failed.outcome)).toEqual(new Error('storage refused commit #3'));
    expect(failed.outcome).toBeInstanceOf(StageFailure);
    expect(failed.checkpoint).toBe(499); // two files of 250 rows were committed and acknowledged
    const committed = flaky.log.filter((l) => l.startsWith('commit ')).map((l) => l.slice('commit '.length));
    const stored = (await Promise.all(committed.map((p) => rowsOfFile(s.store, p)))).flat();
    expect(stored.map((r) => r['id'])).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('writes the completion marker after an uninterrupted backfill, and none after an interrupted one', async () => {
    const token = { isInterrupted: false };
    const summary = await Source.from(orders(50))
      .via(toRecordBatches({ inferFrom: 'first', table: 'dbo.orders' }))
      .runWith(lakeSink({ store: s.store, streamId: 'bf', backfill: true, interruption: token }));
    const files = await s.visible();
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
    expect(files.every((f) => f.startsWith('backfill/bf/'))).toBe(true);
    expect(summary.completionMarker).toBe('backfill/bf/_COMPLETED');
    expect(files).toContain('backfill/bf/_COMPLETED');
    const marker = JSON.parse(Buffer.from(await s.store.read('backfill/bf/_COMPLETED')).toString());
    expect(marker).toMatchObject({ streamId: 'bf', files: 1, rows: 50, tables: ['dbo.orders'] });

    // Interrupted: SIGTERM → the host drains (the kill switch completes the stream) with the token set.
    const interrupted = { isInterrupted: false };
    const [killSwitch, done] = Source.from(orders(10_000))
      .viaMat(KillSwitches.single(), Keep.right)
      .via(toRecordBatches({ inferFrom: 'first', maxRows: 100 }))
      .toMat(lakeSink({ store: s.store, streamId: 'bf2', backfill: true, interruption: interrupted, maxRowsPerFile: 200 }), Keep.both)
      .run();
    await eventually(async () => (await s.visible()).some((f) => f.startsWith('backfill/bf2/')));
    interrupted.isInterrupted = true;
    killSwitch.shutdown();
    const partial = await done;
    expect(partial.completionMarker).toBeUndefined();
    const bf2 = (await s.visible()).filter((f) => f.startsWith('backfill/bf2/'));
    expect(bf2.length).toBeGreaterThan(0);
    expect(bf2).not.toContain('backfill/bf2/_COMPLETED');
    expect(partial.rows).toBeLessThan(10_000);

    // A failed backfill writes no marker either.
    const failing = observed(s.store);
    failing.failCommitOf = 1;
    await expect(
      Source.from(orders(10)).via(toRecordBatches({ inferFrom: 'first' })).runWith(lakeSink({ store: failing, streamId: 'bf3', backfill: true, interruption: token })),
    ).rejects.toBeInstanceOf(StageFailure);
    expect((await s.visible()).filter((f) => f.startsWith('backfill/bf3/'))).toEqual([]);
  });

  it('a schema change starts a new file; schema files let a reader decode NDJSON exactly', async () => {
    const rows = [...orders(3), { id: 'x-1', customer: 'c', note: '' }, { id: 'x-2', customer: 'c', note: 'n', vip: true }];
    const written = await Source.from(rows)
      .via(toRecordBatches({ inferFrom: 'first', table: 'dbo.orders' }))
      .via(lakeFlow({ store: s.store, streamId: 'sc', format: 'ndjson', schemaFile: true }))
      .runWith(Sink.seq());
    expect(written.map((f) => f.rows)).toEqual([3, 1, 1]);
    expect(new Set(written.map((f) => f.schemaFingerprint)).size).toBe(3);
    const schemaFiles = (await s.visible()).filter((f) => f.includes('/_schemas/'));
    expect(schemaFiles.sort()).toEqual(written.map((f) => `data/sc/dbo.orders/_schemas/${f.schemaFingerprint}.arrow`).sort());
    const back: Record<string, unknown>[] = [];
    for (const f of written) {
      const schema = await formats.get('arrow-ipc-file').readSchema!(await s.store.read(`data/sc/dbo.orders/_schemas/${f.schemaFingerprint}.arrow`));
      expect(schemaFingerprint(schema)).toBe(f.schemaFingerprint);
      back.push(...(await rowsOfFile(s.store, f.path, schema)));
    }
    expect(back).toEqual(rows);
  });

  it('parquet files written by the sink are read back by an independent reader (hyparquet)', async () => {
    const rows = orders(1_234);
    await Source.from(rows).via(toRecordBatches({ inferFrom: 'first', maxRows: 500 })).runWith(lakeSink({ store: s.store, streamId: 'hy' }));
    const [path] = await s.visible();
    const dir = mkdtempSync(join(tmpdir(), 'hy-'));
    try {
      const file = join(dir, 'f.parquet');
      writeFileSync(file, await s.store.read(path!));
      const out = JSON.parse(execFileSync(process.execPath, [resolve(__dirname, '../../support/hyparquet-read.mjs'), file]).toString());
      expect(out.rows).toEqual(rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates its options when created', () => {
    const store = s.store;
    expect(() => lakeSink({ store, streamId: 'x', backfill: true })).toThrow(
      'lakeSink: a backfill needs interruption (an InterruptionToken',
    );
    expect(() => lakeSink({ store, streamId: '' })).toThrow('lakeSink: streamId must be a non-empty string, got ""');
    expect(() => lakeSink({ store, streamId: 'x', pathTemplate: '{streamId}/part.{ext}' })).toThrow('lakeSink: pathTemplate must contain {uuid}');
    expect(() => lakeSink({ store, streamId: 'x', pathTemplate: '{streamId}/{day}/{uuid}' })).toThrow('pathTemplate has an unknown variable {day}');
    expect(() => lakeSink({ store, streamId: 'x', pathTemplate: '../{uuid}' })).toThrow("must be a relative path without empty, '.' or '..' segments");
    expect(() => lakeSink({ store, streamId: 'x', format: 'orc' })).toThrow("no format named 'orc'");
    expect(() => lakeSink({ store, streamId: 'x', maxRowsPerFile: 0 })).toThrow('lakeSink: maxRowsPerFile must be a positive integer, got 0');
    expect(() => lakeSink({ store: {} as FileStore, streamId: 'x' })).toThrow('lakeSink: store must be a FileStore');
  });
}
