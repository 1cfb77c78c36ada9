import { ConfigurationError } from '../../../hosting/errors';
import { createDatadogLogger, type DatadogLoggerOptions } from '../../../hosting/observability';
import { captureOutput } from './support/capture';

const identity = { application: 'orders-cdc', streamId: 'orders-1', streamKind: 'SqlServerChangeTracking' };

async function logWith(options: Partial<DatadogLoggerOptions>, write: (log: ReturnType<typeof createDatadogLogger>) => void) {
  const out = captureOutput();
  const log = createDatadogLogger({ ...identity, env: {}, output: out.stream, ...options });
  write(log);
  await log.flush();
  return out;
}

describe('createDatadogLogger: JSON lines', () => {
  it('writes one JSON object per line with the Datadog and Arcane attributes', async () => {
    const out = await logWith({}, (log) => {
      log.debug('hidden at the default level');
      log.info('started', { tables: 3 });
      log.warn('slow poll', { ms: 1200 });
      log.error('write failed', new TypeError('bad row'), { table: 'dbo.orders' });
    });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(r).toMatchObject({
        logger: { name: 'orders-cdc' },
        service: 'orders-cdc',
        env: 'Local',
        version: 'v0.0.0',
        Application: 'orders-cdc',
        Environment: 'Local',
        ApplicationVersion: 'v0.0.0',
        streamId: 'orders-1',
        streamKind: 'SqlServerChangeTracking',
      });
      expect(new Date(r.timestamp as string).toISOString()).toBe(r.timestamp);
    }
    expect(records.map((r) => [r.status, r.message])).toEqual([
      ['info', 'started'],
      ['warn', 'slow poll'],
      ['error', 'write failed'],
    ]);
    expect(records[0]!.tables).toBe(3);
    expect(records[2]!.table).toBe('dbo.orders');
    expect(records[2]!.error).toEqual({ kind: 'TypeError', message: 'bad row', stack: expect.stringMatching(/^TypeError: bad row\n\s+at /) });
  });

  it('takes service, env and version from DD_SERVICE/DD_ENV/DD_VERSION and APPLICATION_VERSION', async () => {
    const out = await logWith({ env: { DD_ENV: 'prod', DD_SERVICE: 'cdc', APPLICATION_VERSION: '1.2.3' } }, (log) => log.info('x'));
    expect(out.lines()[0]).toMatchObject({
      service: 'cdc',
      env: 'prod',
      version: '1.2.3',
      Environment: 'prod',
      ApplicationVersion: '1.2.3',
      Application: 'orders-cdc',
    });
  });

  it('writes the backfill id in a backfill', async () => {
    const out = await logWith({ isBackfilling: true, backfillId: 'bf-9' }, (log) => log.info('x'));
    expect(out.lines()[0]).toMatchObject({ backfillId: 'bf-9' });
  });

  it('adds the custom properties of <PREFIX>__LOGGING_PROPERTIES (prefix from the application name or given)', async () => {
    const byName = await logWith({ env: { ORDERS_CDC__LOGGING_PROPERTIES: '{"team":"data","tier":2}' } }, (log) => log.info('x'));
    expect(byName.lines()[0]).toMatchObject({ team: 'data', tier: 2 });
    const given = await logWith({ envPrefix: 'ARCANE.STREAM.SQL', env: { 'ARCANE.STREAM.SQL__LOGGING_PROPERTIES': '{"team":"ops"}' } }, (log) =>
      log.info('x'),
    );
    expect(given.lines()[0]).toMatchObject({ team: 'ops' });
  });

  it('fails with an error naming the variable when LOGGING_PROPERTIES is not a JSON object', () => {
    const create = (value: string) => () =>
      createDatadogLogger({ ...identity, env: { ORDERS_CDC__LOGGING_PROPERTIES: value }, output: captureOutput().stream });
    expect(create('{team:')).toThrow(ConfigurationError);
    expect(create('{team:')).toThrow(/^ORDERS_CDC__LOGGING_PROPERTIES must be a JSON object of properties.*not valid JSON/);
    expect(create('[1]')).toThrow('ORDERS_CDC__LOGGING_PROPERTIES must be a JSON object of properties, e.g. {"team":"data"}; got an array');
    expect(create('{"a":{"b":1}}')).toThrow("ORDERS_CDC__LOGGING_PROPERTIES: property 'a' must be a string, number or boolean, got object");
  });

  it('takes the level from <PREFIX>__DEFAULT_LOG_LEVEL, else LOG_LEVEL', async () => {
    const levels = async (env: Record<string, string>) =>
      (await logWith({ env }, (log) => (log.debug('d'), log.info('i'), log.warn('w'), log.error('e')))).lines().map((l) => l.status);
    expect(await levels({})).toEqual(['info', 'warn', 'error']);
    expect(await levels({ ORDERS_CDC__DEFAULT_LOG_LEVEL: 'DEBUG' })).toEqual(['debug', 'info', 'warn', 'error']);
    expect(await levels({ LOG_LEVEL: 'warn' })).toEqual(['warn', 'error']);
    expect(await levels({ ORDERS_CDC__DEFAULT_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'debug' })).toEqual(['error']);
  });

  it('rejects an unknown level naming the variable', () => {
    expect(() => createDatadogLogger({ ...identity, env: { ORDERS_CDC__DEFAULT_LOG_LEVEL: 'LOUD' } })).toThrow(
      "ORDERS_CDC__DEFAULT_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR; got 'LOUD'",
    );
  });

  it('child loggers add fields and may set logger.name; a line keeps its own timestamp, status and message', async () => {
    const out = await logWith({}, (log) => {
      const sink = log.child({ 'logger.name': 'sink', table: 'dbo.orders' });
      sink.child({ partition: 4 }).warn('retrying', { attempt: 2, status: 'ok', message: 'x', timestamp: 'never' });
      log.info('root');
    });
    const [child, root] = out.lines();
    expect(child).toMatchObject({ logger: { name: 'sink' }, table: 'dbo.orders', partition: 4, attempt: 2 });
    expect(child).toMatchObject({ status: 'warn', message: 'retrying' });
    expect(child!.timestamp).not.toBe('never');
    expect(root).toMatchObject({ logger: { name: 'orders-cdc' } });
    expect(root!.table).toBeUndefined();
  });

  it('renders error causes and non-Error values', async () => {
    const out = await logWith({}, (log) => {
      log.error('wrapped', new Error('outer', { cause: new RangeError('inner') }));
      log.error('thrown string', 'just text');
      log.error('no error');
    });
    const [wrapped, text, none] = out.lines();
    expect((wrapped!.error as { stack: string }).stack).toContain('Caused by: RangeError: inner');
    expect(text!.error).toEqual({ kind: 'string', message: 'just text' });
    expect(none!.error).toBeUndefined();
  });

  it('never throws for fields JSON cannot take (cycles, bigint, functions)', async () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const out = await logWith({}, (log) => log.info('odd fields', { cyclic, big: 10n ** 20n, fn: () => 1, when: new Date(0) }));
    expect(out.lines()[0]).toMatchObject({
      cyclic: { name: 'a', self: '[Circular]' },
      big: '100000000000000000000',
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(out.lines()[0]!.fn).toBeUndefined();
  });
});

describe('createDatadogLogger: secrets', () => {
  it('redacts connection-string secrets, SAS signatures and bearer tokens in messages, fields, errors and stacks', async () => {
    const sql = 'Server=tcp:db.example.net,1433;Database=cdc;User Id=svc;Password=Hunter2 with spaces;Encrypt=true';
    const blob = 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0S2V5PT0=;EndpointSuffix=core.windows.net';
    const bus = 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=S3cr3tKey=;EntityPath=q';
    const sas = 'https://acct.blob.core.windows.net/c/blob?sv=2022-11-02&sp=r&sig=AbCdEf%2BGh%3D&se=2030-01-01';
    const out = await logWith({ env: { ORDERS_CDC__LOGGING_PROPERTIES: JSON.stringify({ dsn: 'postgres://u:pw1234@db/x' }) } }, (log) => {
      const authorization = 'Bearer eyJhbGciOi.payload.sig';
      log.info(`connecting with ${sql}`, { blob, nested: { bus, list: [sas] }, apiKey: 'k-123', authorization });
      const error = new Error(`PUT ${sas} failed`, { cause: new Error(`auth with ${bus}`) });
      log.error('upload failed', error, { header: 'Authorization: Bearer abc.def.ghi-jkl' });
    });
    const text = out.text();
    for (const secret of ['Hunter2', 'with spaces', 'c2VjcmV0S2V5PT0', 'S3cr3tKey', 'AbCdEf', 'k-123', 'eyJhbGciOi', 'abc.def.ghi', 'pw1234']) {
      expect(text).not.toContain(secret);
    }
    const [info, error] = out.lines();
    expect(info!.message).toBe('connecting with Server=tcp:db.example.net,1433;Database=cdc;User Id=svc;Password=[REDACTED];Encrypt=true');
    expect(info!.blob).toContain('AccountName=acct;AccountKey=[REDACTED];EndpointSuffix=core.windows.net');
    expect((info!.nested as { list: string[] }).list[0]).toBe(
      'https://acct.blob.core.windows.net/c/blob?sv=2022-11-02&sp=r&sig=[REDACTED]&se=2030-01-01',
    );
    expect(info!.apiKey).toBe('[REDACTED]');
    expect(info!.dsn).toBe('postgres://u:[REDACTED]@db/x');
    const err = error!.error as { message: string; stack: string };
    expect(err.message).toContain('sig=[REDACTED]');
    expect(err.stack).toContain('SharedAccessKey=[REDACTED]');
  });
});

describe('createDatadogLogger: terminal format', () => {
  it('writes readable coloured lines on a TTY outside a container', async () => {
    const out = captureOutput(true);
    const log = createDatadogLogger({ ...identity, env: {}, output: out.stream });
    log.info('started', { tables: 3 });
    log.error('failed', new Error('boom'));
    await log.flush();
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/\d\d:\d\d:\d\d\.\d{3}.*INFO.*\[orders-cdc\] started .*tables=3/);
    expect(lines[0]).toContain('\x1b[');
    expect(lines[0]).not.toContain('streamId');
    expect(lines[1]).toMatch(/ERROR.*\[orders-cdc\] failed/);
    expect(lines[2]).toContain('Error: boom');
  });

  it('writes JSON on a TTY inside Kubernetes, and when format is json', async () => {
    for (const [env, format] of [[{ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, undefined], [{}, 'json']] as const) {
      const out = captureOutput(true);
      const log = createDatadogLogger({ ...identity, env, output: out.stream, format });
      log.info('x');
      await log.flush();
      expect(out.lines()[0]).toMatchObject({ status: 'info', message: 'x' });
    }
  });
});
