import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { intakeUrlForSite } from '../../../hosting/logging/http-intake';
import { createDatadogLogger, type DatadogLoggerOptions } from '../../../hosting/observability';
import { captureOutput } from './support/capture';

interface IntakeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly records: Record<string, unknown>[];
}

/**
 * A Datadog logs intake on loopback. Answers with the scripted statuses (then 202); `hold()` makes it keep the
 * next response until `release()`. `nextRequest()` resolves when a request has arrived.
 */
async function fakeIntake(statuses: number[] = []) {
  const requests: IntakeRequest[] = [];
  const waiting: (() => void)[] = [];
  let held: (() => void)[] | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
      const records = JSON.parse(json) as Record<string, unknown>[];
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, records });
      const respond = () => res.writeHead(statuses.shift() ?? 202).end('{}');
      if (held) held.push(respond);
      else respond();
      waiting.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/logs`,
    requests,
    nextRequest: () => new Promise<void>((resolve) => waiting.push(resolve)),
    hold: () => (held = []),
    release: () => {
      const pending = held ?? [];
      held = undefined;
      pending.forEach((respond) => respond());
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

type Intake = Awaited<ReturnType<typeof fakeIntake>>;

function intakeLogger(intake: Intake, intakeSettings: DatadogLoggerOptions['intake'] = {}, env: Record<string, string> = {}) {
  const out = captureOutput();
  const logger = createDatadogLogger({
    application: 'orders-cdc',
    streamId: 'orders-1',
    streamKind: 'SqlServerCdc',
    env: { DD_API_KEY: 'test-api-key', DD_ENV: 'test', ...env },
    output: out.stream,
    intake: { url: intake.url, flushIntervalMs: 5, initialRetryDelayMs: 1, maxRetryDelayMs: 4, ...intakeSettings },
  });
  return { logger, out };
}

describe('Datadog HTTP logs intake', () => {
  let intake: Intake;
  beforeEach(async () => {
    intake = await fakeIntake();
  });
  afterEach(() => intake.close());

  it('ships batched, gzip-compressed JSON with the API key, ddsource, ddtags, hostname and service', async () => {
    const { logger, out } = intakeLogger(intake);
    logger.info('one', { n: 1 });
    logger.warn('two Password=secret1;');
    logger.error('three', new Error('bad'));
    await logger.flush();

    expect(intake.requests).toHaveLength(1);
    const [request] = intake.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/api/v2/logs');
    expect(request!.headers).toMatchObject({ 'dd-api-key': 'test-api-key', 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(request!.records.map((r) => [r.status, r.message])).toEqual([
      ['info', 'one'],
      ['warn', 'two Password=[REDACTED];'],
      ['error', 'three'],
    ]);
    for (const r of request!.records) {
      expect(r).toMatchObject({ ddsource: 'nodejs', service: 'orders-cdc', streamId: 'orders-1', hostname: expect.any(String) });
      expect(r.ddtags).toBe('env:test,version:v0.0.0,mode:stream,stream_id:orders-1,stream_kind:SqlServerCdc');
    }
    expect(out.lines()).toHaveLength(3); // stdout gets the same lines
    expect(logger.intakeStats()).toEqual({ queued: 0, sent: 3, dropped: 0, failed: 0 });
  });

  it('splits batches at maxBatchRecords', async () => {
    const { logger } = intakeLogger(intake, { maxBatchRecords: 2 });
    for (let i = 1; i <= 5; i++) logger.info(`line ${i}`);
    await logger.flush();
    expect(intake.requests.map((r) => r.records.map((x) => x.message))).toEqual([['line 1', 'line 2'], ['line 3', 'line 4'], ['line 5']]);
  });

  it('retries a batch on 500 with backoff until it is accepted', async () => {
    intake.close();
    intake = await fakeIntake([500, 503, 202]);
    const { logger, out } = intakeLogger(intake);
    logger.info('keep me');
    await logger.flush();
    expect(intake.requests).toHaveLength(3);
    expect(intake.requests.map((r) => r.records.map((x) => x.message))).toEqual([['keep me'], ['keep me'], ['keep me']]);
    expect(logger.intakeStats()).toMatchObject({ sent: 1, failed: 0 });
    expect(out.lines().map((l) => l.message)).toEqual(['keep me']);
  });

  it('drops a rejected batch (400) without retrying and says so on stdout only', async () => {
    intake.close();
    intake = await fakeIntake([400]);
    const { logger, out } = intakeLogger(intake);
    logger.info('rejected');
    await logger.flush();
    expect(intake.requests).toHaveLength(1);
    expect(logger.intakeStats()).toMatchObject({ sent: 0, failed: 1 });
    expect(out.lines().at(-1)).toMatchObject({
      status: 'warn',
      message: 'Datadog log intake: dropped a batch of log lines',
      lines: 1,
      reason: 'HTTP 400',
    });
  });

  it('gives up after maxAttempts', async () => {
    intake.close();
    intake = await fakeIntake([503, 503, 503]);
    const { logger, out } = intakeLogger(intake, { maxAttempts: 3 });
    logger.info('lost');
    await logger.flush();
    expect(intake.requests).toHaveLength(3);
    expect(logger.intakeStats()).toMatchObject({ sent: 0, failed: 1 });
    expect(out.lines().at(-1)).toMatchObject({ reason: 'HTTP 503' });
  });

  it('keeps a bounded queue while the intake is slow: drops the oldest, counts them and reports the count', async () => {
    const { logger } = intakeLogger(intake, { maxQueue: 5, maxBatchRecords: 10 });
    intake.hold();
    const first = intake.nextRequest();
    logger.info('first');
    await first; // 'first' is in flight, its response held
    for (let i = 1; i <= 20; i++) logger.info(`line ${i}`);
    expect(logger.intakeStats()).toEqual({ queued: 5, sent: 0, dropped: 15, failed: 0 });
    intake.release();
    await logger.flush();
    const second = intake.requests[1]!.records;
    expect(second[0]).toMatchObject({ status: 'warn', droppedLogLines: 15, message: 'log intake queue full: dropped the 15 oldest log lines' });
    expect(second.slice(1).map((r) => r.message)).toEqual(['line 16', 'line 17', 'line 18', 'line 19', 'line 20']);
    expect(logger.intakeStats()).toEqual({ queued: 0, sent: 7, dropped: 15, failed: 0 });
  });

  it('flush() is bounded by flushTimeoutMs when the intake does not answer', async () => {
    const { logger } = intakeLogger(intake, { flushTimeoutMs: 50 });
    intake.hold();
    logger.info('stuck');
    await logger.flush();
    expect(intake.requests).toHaveLength(1);
    expect(logger.intakeStats()).toMatchObject({ sent: 0 });
  });

  it('is off without DD_API_KEY', async () => {
    const logger = createDatadogLogger({ application: 'a', env: { DD_LOGS_INTAKE_URL: intake.url }, output: captureOutput().stream });
    logger.info('local only');
    await logger.flush();
    expect(logger.intakeStats()).toBeUndefined();
    expect(intake.requests).toHaveLength(0);
  });

  it('takes the URL from DD_LOGS_INTAKE_URL, else from DD_SITE', async () => {
    const logger = createDatadogLogger({
      application: 'a',
      env: { DD_API_KEY: 'k', DD_LOGS_INTAKE_URL: intake.url, DD_SITE: 'datadoghq.eu' },
      output: captureOutput().stream,
      intake: { flushIntervalMs: 1 },
    });
    logger.info('via env');
    await logger.flush();
    expect(intake.requests).toHaveLength(1);
    expect(intakeUrlForSite('datadoghq.eu')).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
  });

  it('validates its settings', () => {
    const create = (settings: DatadogLoggerOptions['intake']) => () =>
      createDatadogLogger({ application: 'a', env: { DD_API_KEY: 'k' }, output: captureOutput().stream, intake: settings });
    expect(create({ maxQueue: 0 })).toThrow('createDatadogLogger intake: maxQueue must be a positive integer, got 0');
    expect(create({ maxBatchRecords: 1001 })).toThrow('createDatadogLogger intake: maxBatchRecords must be at most 1000, got 1001');
  });
});
