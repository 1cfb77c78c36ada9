import type { LogLevel } from '../../core/attributes';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { StageFailure } from '../../core/stage-failure';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

/** Where `log` writes: one method per level (`console` fits). */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** Options of `log`. */
export interface LogOptions {
  /** Where lines go; default `console`. */
  readonly logger?: Logger;
}

type ActiveLevel = Exclude<LogLevel, 'off'>;

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

class LogStage<T> extends FusedStage<T, T> {
  private readonly onElement: LogLevel;
  private readonly onFinish: LogLevel;
  private readonly onFailure: LogLevel;

  constructor(
    ctx: StageContext,
    private readonly label: string,
    private readonly extract: ((element: T) => unknown) | undefined,
    private readonly logger: Logger,
  ) {
    super(ctx);
    const levels = ctx.attributes.logLevels;
    this.onElement = levels?.onElement ?? 'debug';
    this.onFinish = levels?.onFinish ?? 'info';
    this.onFailure = levels?.onFailure ?? 'error';
  }

  onNext(element: T): void {
    if (this.onElement !== 'off') {
      try {
        const shown = this.extract ? this.extract(element) : element;
        this.write(this.onElement, `Element: ${show(shown)}`);
      } catch (e) {
        this.failStage(e);
        return;
      }
    }
    this.downstream.onNext(element);
  }

  override cancel(cause?: unknown): void {
    if (!this.closed) {
      const why = cause instanceof StageFailure ? `, cause: ${show(cause)}` : '';
      this.writeQuietly(this.onFinish, `Downstream finished${why}.`);
    }
    super.cancel(cause);
  }

  protected override onUpstreamFinish(): void {
    this.writeQuietly(this.onFinish, 'Upstream finished.');
    super.onUpstreamFinish();
  }

  protected override onUpstreamFailure(error: unknown): void {
    this.writeQuietly(this.onFailure, `Upstream failed, cause: ${show(error)}`);
    super.onUpstreamFailure(error);
  }

  private write(level: LogLevel, message: string): void {
    if (level !== 'off') this.logger[level as ActiveLevel](`[${this.label}] ${message}`);
  }

  /** Terminal signals are logged best-effort: a throwing logger does not change how the stream ends. */
  private writeQuietly(level: LogLevel, message: string): void {
    try {
      this.write(level, message);
    } catch {
      // Nothing to report it to: the stream is ending with its own outcome.
    }
  }
}

/**
 * @internal `log(name, extract?, options?)`: levels come from the `logLevels` attribute (element `debug`,
 * finish `info`, failure `error`; `off` disables). An error from `extract` or the logger on an element fails
 * the stream.
 */
export function log<T>(name: string, extract?: (element: T) => unknown, options?: LogOptions): Blueprint {
  if (typeof name !== 'string') throw new TypeError(`log: name must be a string, got ${typeof name}`);
  if (extract !== undefined) requireFunction('log', 'extract', extract);
  const logger = options?.logger ?? console;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    requireFunction('log', `options.logger.${level}`, (logger as Partial<Logger>)[level]);
  }
  return fusedBlueprint('log', (ctx) => new LogStage(ctx, name, extract, logger));
}
