/**
 * The host logger on winston: one JSON line per record on stdout (Datadog's agent tails it), a readable coloured
 * line on a terminal, and, when `DD_API_KEY` is set, the Datadog HTTP intake as well.
 */
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { HostLogger, LogFields } from '../contracts';
import { HttpIntake, intakeUrlForSite, type HttpIntakeSettings, type HttpIntakeStats } from './http-intake';
import { baseAttributes, buildRecord, type LogRecord } from './log-record';
import { defaultEnvPrefix, LOG_LEVELS, readLoggingProperties, readLogLevel, type HostLogLevel } from './log-settings';
import { formatPretty } from './pretty';
import {
  nonEmpty,
  resolveIdentity,
  streamTags,
  type Env,
  type ResolvedIdentity,
  type StreamIdentity,
} from './stream-identity';

/** Options of `createDatadogLogger`. */
export interface DatadogLoggerOptions extends StreamIdentity {
  /**
   * Prefix of `<PREFIX>__DEFAULT_LOG_LEVEL` and `<PREFIX>__LOGGING_PROPERTIES`; default the application name in
   * upper case with other characters than letters, digits and `_` replaced by `_` (`orders-cdc` → `ORDERS_CDC`).
   */
  readonly envPrefix?: string;
  /** Level when neither `<PREFIX>__DEFAULT_LOG_LEVEL` nor `LOG_LEVEL` is set; default `info`. */
  readonly level?: HostLogLevel;
  /** `logger.name` of lines (children may set their own with the field `logger.name`); default the application. */
  readonly loggerName?: string;
  /** More static properties on every line (the environment's custom properties win on conflicts). */
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
  /**
   * `json` (Datadog lines), `pretty` (readable, coloured) or `auto` (the default): pretty when the output is a TTY
   * and `KUBERNETES_SERVICE_HOST` is unset, else JSON.
   */
  readonly format?: 'auto' | 'json' | 'pretty';
  /** Where lines go; default `process.stdout`. */
  readonly output?: NodeJS.WritableStream;
  /** More winston transports (e.g. a file); each receives `info` with the line's attributes, to format as it likes. */
  readonly transports?: readonly winston.transport[];
  /**
   * The Datadog HTTP intake, used when `DD_API_KEY` is set: `url` overrides the one derived from `DD_SITE`
   * (also settable with `DD_LOGS_INTAKE_URL`), the rest tunes batching, retries and the bounded queue.
   */
  readonly intake?: HttpIntakeSettings & { readonly url?: string };
}

/** The logger `createDatadogLogger` returns: a `HostLogger` plus the intake's counters, for tests and health. */
export interface DatadogLogger extends HostLogger {
  /** Counters of the HTTP intake, or `undefined` when it is off. */
  intakeStats(): HttpIntakeStats | undefined;
}

const MESSAGE = Symbol.for('message');
const RECORD = Symbol('tributary.logRecord');

type Info = winston.LogEntry & { [RECORD]: LogRecord; [MESSAGE]?: string };

/**
 * Creates the host logger. Throws, naming the variable, when `<PREFIX>__DEFAULT_LOG_LEVEL` or
 * `<PREFIX>__LOGGING_PROPERTIES` is invalid.
 *
 * @example
 * const logger = createDatadogLogger({ application: 'orders-cdc', streamId: 'orders', streamKind: 'SqlServerCdc' });
 * logger.info('started', { tables: 3 });
 * logger.child({ 'logger.name': 'sink' }).error('write failed', err, { table: 'dbo.orders' });
 * await logger.flush();
 */
export function createDatadogLogger(options: DatadogLoggerOptions): DatadogLogger {
  const id = resolveIdentity(options);
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? defaultEnvPrefix(id.application);
  const level = readLogLevel(env, prefix, options.level ?? 'info');
  const base = baseAttributes(id, { ...options.properties, ...readLoggingProperties(env, prefix) });
  const output = options.output ?? process.stdout;
  const terminal = (output as { isTTY?: boolean }).isTTY === true && nonEmpty(env.KUBERNETES_SERVICE_HOST) === undefined;
  const pretty = options.format === 'pretty' || ((options.format ?? 'auto') === 'auto' && terminal);

  const hidden = new Set(Object.keys(base));
  const render = (record: LogRecord): string => (pretty ? formatPretty(record, hidden) : JSON.stringify(record));
  const lineFormat = winston.format((info) => {
    const entry = info as unknown as Info;
    entry[MESSAGE] = render(entry[RECORD]);
    return info;
  })();
  const transports: winston.transport[] = [
    new winston.transports.Stream({ stream: output as Writable, format: lineFormat }),
    ...(options.transports ?? []),
  ];

  // Intake problems go to the output only (not back into the intake).
  const intake = createIntake(options, env, id, (message, fields) =>
    output.write(`${render(buildRecord('warn', message, 'tributary.logging', base, fields))}\n`),
  );
  if (intake !== undefined) {
    const sink = new Writable({
      objectMode: true,
      write: (info: Info, _enc, done) => (intake.enqueue(info[RECORD]), done()),
    });
    transports.push(new winston.transports.Stream({ stream: sink }));
  }

  const logger = winston.createLogger({ levels: { ...LOG_LEVELS }, level, transports, exitOnError: false });
  const core: LoggerCore = {
    enabled: (l) => LOG_LEVELS[l] <= LOG_LEVELS[level],
    write(l, message, fields, error) {
      const record = buildRecord(l, message, options.loggerName ?? id.application, base, fields, error);
      logger.log({ ...record, level: l, message: record.message as string, [RECORD]: record } as Info);
    },
    async flush() {
      await intake?.flush();
      await new Promise<void>((resolve) => output.write('', () => resolve()));
    },
    intakeStats: () => intake?.stats(),
  };
  return new WinstonHostLogger(core, {});
}

interface LoggerCore {
  enabled(level: HostLogLevel): boolean;
  write(level: HostLogLevel, message: string, fields: LogFields, error?: unknown): void;
  flush(): Promise<void>;
  intakeStats(): HttpIntakeStats | undefined;
}

class WinstonHostLogger implements DatadogLogger {
  constructor(
    private readonly core: LoggerCore,
    private readonly bound: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  error(message: string, error?: unknown, fields?: LogFields): void {
    this.log('error', message, fields, error);
  }
  child(fields: LogFields): HostLogger {
    return new WinstonHostLogger(this.core, { ...this.bound, ...fields });
  }
  flush(): Promise<void> {
    return this.core.flush();
  }
  intakeStats(): HttpIntakeStats | undefined {
    return this.core.intakeStats();
  }

  private log(level: HostLogLevel, message: string, fields: LogFields | undefined, error?: unknown): void {
    if (!this.core.enabled(level)) return;
    try {
      this.core.write(level, message, fields === undefined ? this.bound : { ...this.bound, ...fields }, error);
    } catch (e) {
      // A logging failure must never fail the stream; say so on stderr, once per failing line.
      process.stderr.write(`tributary logging failed: ${(e as Error)?.message ?? String(e)}\n`);
    }
  }
}

/** The HTTP intake when `DD_API_KEY` is set; the URL from `intake.url`, `DD_LOGS_INTAKE_URL` or `DD_SITE`. */
function createIntake(
  options: DatadogLoggerOptions,
  env: Env,
  id: ResolvedIdentity,
  onProblem: (message: string, fields: Readonly<Record<string, unknown>>) => void,
): HttpIntake | undefined {
  const apiKey = nonEmpty(env.DD_API_KEY);
  if (apiKey === undefined) return undefined;
  const url =
    options.intake?.url ?? nonEmpty(env.DD_LOGS_INTAKE_URL) ?? intakeUrlForSite(nonEmpty(env.DD_SITE) ?? 'datadoghq.com');
  const tags = { env: id.ddEnv, version: id.version, ...streamTags(id) };
  const ddtags = Object.entries(tags).map(([k, v]) => `${k}:${v}`).join(',');
  return new HttpIntake(
    { url, apiKey, reserved: { ddsource: 'nodejs', ddtags, hostname: hostname(), service: id.service }, onProblem },
    options.intake,
  );
}
