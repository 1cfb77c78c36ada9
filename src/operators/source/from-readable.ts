import { finished, type Readable } from 'node:stream';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

/** Options of `Source.fromReadable`. */
export interface FromReadableOptions {
  /**
   * Bytes (or characters, after `setEncoding`) per `read(chunkSize)` for byte streams; default: whatever the
   * readable has buffered. Not allowed for object-mode readables (each `read()` returns one object).
   */
  readonly chunkSize?: number;
}

const out = new Outlet<unknown>('fromReadable.out');

/**
 * Pulls: each downstream pull calls `read()` once; on `null` it waits for `'readable'` and tries again. It never
 * attaches a `'data'` listener or calls `resume()`, so the readable never flows and buffers at most its own
 * `highWaterMark`. `finished()` reports end, error and premature close.
 */
class ReadableLogic<T> extends GraphStageLogic {
  private detach: (() => void) | undefined;
  private ended = false;

  constructor(
    ctx: StageContext,
    private readonly readable: Readable,
    private readonly chunkSize: number | undefined,
  ) {
    super(ctx, [], [out]);
    this.setHandler(out, { onPull: () => this.read() });
  }

  override preStart(): void {
    const readable = this.readable;
    const onReadable = this.getAsyncCallback<void>(() => {
      if (this.isAvailable(out)) this.read();
    });
    const onFinished = this.getAsyncCallback<Error | null | undefined>((error) => {
      if (error) return this.failStage(error);
      this.ended = true;
      this.completeStage();
    });
    readable.on('readable', onReadable);
    const stopFinished = finished(readable, { writable: false }, (error) => onFinished(error));
    this.detach = () => {
      readable.off('readable', onReadable);
      stopFinished();
    };
  }

  override postStop(): void {
    this.detach?.();
    if (this.ended) return;
    // Cancelled or failed: release the readable; errors it reports while being torn down have no listener left.
    this.readable.on('error', () => {});
    this.readable.destroy();
  }

  private read(): void {
    const chunk: T | null = this.readable.read(this.chunkSize);
    if (chunk !== null) this.push(out, chunk);
  }
}

/** @internal `Source.fromReadable(readable, { chunkSize })`. */
export function fromReadable<T>(readable: Readable, options: FromReadableOptions = {}): Blueprint {
  const op = 'Source.fromReadable';
  if (readable == null || typeof readable.read !== 'function' || typeof readable.destroy !== 'function') {
    throw new TypeError(`${op}: readable must be a Node stream.Readable, got ${readable === null ? 'null' : typeof readable}`);
  }
  const { chunkSize } = options;
  if (chunkSize !== undefined) {
    requirePositiveInt(op, 'chunkSize', chunkSize);
    if (readable.readableObjectMode) {
      throw new TypeError(`${op}: chunkSize (${chunkSize}) applies to byte streams; this readable is in object mode`);
    }
  }
  return logicBlueprint('fromReadable', (ctx) => new ReadableLogic<T>(ctx, readable, chunkSize), undefined, out);
}
