import { Readable } from 'node:stream';
import { Sink, Source, StageFailure } from 'tributary';
import { TestSink } from 'tributary/testing';

/** A readable that produces `total` numbers on demand and counts how often Node asked it for more. */
class Counting extends Readable {
  reads = 0;
  destroyed_ = 0;
  private next = 0;
  constructor(
    private readonly total: number,
    highWaterMark = 4,
  ) {
    super({ objectMode: true, highWaterMark });
  }
  override _read(): void {
    this.reads++;
    setImmediate(() => this.push(this.next < this.total ? this.next++ : null));
  }
  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    this.destroyed_++;
    cb(error);
  }
}

const tick = () => new Promise((r) => setImmediate(r));
async function settle(times = 10) {
  for (let i = 0; i < times; i++) await tick();
}

describe('Source.fromReadable', () => {
  it('reads an object-mode readable to the end', async () => {
    const out = await Source.fromReadable<number>(Readable.from([1, 2, 3])).runWith(Sink.seq());
    expect(out).toEqual([1, 2, 3]);
  });

  it('reads a byte stream, in chunks of chunkSize when given', async () => {
    const bytes = Buffer.from('abcdefghij');
    const whole = await Source.fromReadable(Readable.from([bytes], { objectMode: false })).runWith(Sink.seq());
    expect(Buffer.concat(whole).toString()).toBe('abcdefghij');
    const chunks = await Source.fromReadable(Readable.from([bytes], { objectMode: false }), { chunkSize: 4 }).runWith(
      Sink.seq(),
    );
    expect(chunks.map((c) => c.toString())).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('pulls: the readable is asked for data only up to its highWaterMark beyond what downstream took', async () => {
    const readable = new Counting(1000, 4);
    const probe = Source.fromReadable<number>(readable).runWith(TestSink.probe<number>());
    await settle(20);
    probe.expectNoMessage();
    const idleReads = readable.reads;
    expect(idleReads).toBeLessThanOrEqual(5); // filled its own buffer (hwm 4), then stopped
    expect(readable.readableFlowing).toBe(false); // never switched to flowing mode
    probe.request(2);
    await settle(20);
    probe.expectNext(0, 1);
    expect(readable.reads).toBeLessThanOrEqual(idleReads + 2);
    expect(readable.readableLength).toBeLessThanOrEqual(4);
    probe.cancel();
    await settle();
    expect(readable.destroyed).toBe(true);
    expect(readable.destroyed_).toBe(1);
  });

  it('waits for readable when nothing is buffered and completes at the end', async () => {
    const readable = new Counting(3);
    const probe = Source.fromReadable<number>(readable).runWith(TestSink.probe<number>());
    probe.request(10);
    await settle(20);
    probe.expectNext(0, 1, 2).expectComplete();
  });

  it('fails with a StageFailure when the readable errors, and destroys it', async () => {
    const boom = new Error('disk on fire');
    const readable = new Readable({
      objectMode: true,
      read() {
        this.push('a');
        setImmediate(() => this.destroy(boom));
      },
    });
    const p = Source.fromReadable<string>(readable).runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'fromReadable', cause: boom });
    expect(readable.destroyed).toBe(true);
  });

  it('fails on a premature close', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    const p = Source.fromReadable(readable).runWith(Sink.seq());
    readable.destroy();
    await expect(p).rejects.toMatchObject({ stage: 'fromReadable', cause: expect.objectContaining({ code: 'ERR_STREAM_PREMATURE_CLOSE' }) });
  });

  it('destroys the readable when downstream cancels (take)', async () => {
    const readable = new Counting(1_000_000);
    const out = await Source.fromReadable<number>(readable).take(3).runWith(Sink.seq());
    expect(out).toEqual([0, 1, 2]);
    await settle();
    expect(readable.destroyed).toBe(true);
    expect(readable.destroyed_).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => Source.fromReadable({} as never)).toThrow(/Source\.fromReadable: readable must be a Node stream\.Readable/);
    expect(() => Source.fromReadable(Readable.from([1]), { chunkSize: 4 })).toThrow(/object mode/);
    expect(() => Source.fromReadable(new Readable({ read() {} }), { chunkSize: 0 })).toThrow(
      /chunkSize must be a positive integer, got 0/,
    );
  });
});
