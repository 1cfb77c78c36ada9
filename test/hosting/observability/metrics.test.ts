import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Materializer, OverflowStrategy, Sink, Source } from 'tributary';
import { ConfigurationError } from '../../../hosting/errors';
import { createDogStatsdMetrics, MetricNames, type DogStatsdMetricsOptions } from '../../../hosting/observability';

/** A DogStatsD server on loopback UDP: keeps every line; `waitFor` resolves with the first line matching. */
async function udpListener() {
  const socket: Socket = createSocket('udp4');
  const lines: string[] = [];
  const packets: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  socket.on('message', (msg) => {
    packets.push(msg.toString());
    for (const line of msg.toString().split('\n')) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: (socket.address() as AddressInfo).port,
    lines,
    packets,
    waitFor: (test: (line: string) => boolean) =>
      new Promise<string>((resolve) => {
        const seen = lines.find(test);
        if (seen !== undefined) resolve(seen);
        else waiters.push({ test, resolve });
      }),
    close: () => socket.close(),
  };
}

type Listener = Awaited<ReturnType<typeof udpListener>>;

const identity = { application: 'orders-cdc', streamId: 'orders-1', streamKind: 'SqlServerChangeTracking' };

describe('DogStatsD metrics', () => {
  let udp: Listener;
  beforeEach(async () => {
    udp = await udpListener();
  });
  afterEach(() => udp.close());

  const metricsFor = (options: Partial<DogStatsdMetricsOptions> = {}) =>
    createDogStatsdMetrics({ ...identity, env: { DD_AGENT_HOST: '127.0.0.1', DD_DOGSTATSD_PORT: String(udp.port) }, ...options });

  it('sends counters, gauges and histograms with the prefix, stream tags and custom tags', async () => {
    const metrics = metricsFor({ tags: { region: 'westeurope' } });
    metrics.increment(MetricNames.rowsIncoming, 42, { table: 'dbo.orders' });
    metrics.increment(MetricNames.batches);
    metrics.gauge(MetricNames.lag, 1500);
    metrics.histogram('batch.duration_ms', 12.5);
    await metrics.close();
    await udp.waitFor((l) => l.includes('batch.duration_ms'));
    const tags = [
      'service:orders-cdc,env:Local,version:v0.0.0',
      'mode:stream,stream_id:orders-1,stream_kind:SqlServerChangeTracking,region:westeurope',
    ].join(',');
    expect(udp.lines).toEqual([
      `tributary.stream.rows.incoming:42|c|#${tags},table:dbo.orders`,
      `tributary.stream.batches:1|c|#${tags}`,
      `tributary.stream.lag:1500|g|#${tags}`,
      `tributary.stream.batch.duration_ms:12.5|h|#${tags}`,
    ]);
  });

  it('tags a backfill with mode:backfill and backfill_id, and can add Arcane-compatible names and tags', async () => {
    const metrics = metricsFor({ isBackfilling: true, backfillId: 'bf-1', arcaneCompatible: true });
    metrics.increment(MetricNames.rowsIncoming, 3);
    await metrics.close();
    const line = await udp.waitFor((l) => l.startsWith('arcane.stream.rows.incoming:3|c|#'));
    const tags = line.split('|#')[1]!.split(',');
    expect(tags).toEqual(
      expect.arrayContaining([
        'mode:backfill',
        'backfill_id:bf-1',
        'stream_id:orders-1',
        'arcane.sneaksanddata.com/kind:sql_server_change_tracking',
        'arcane.sneaksanddata.com/mode:backfill',
        'arcane.sneaksanddata.com/stream_id:orders-1',
      ]),
    );
  });

  it('replaces DogStatsD separators in names and tags', async () => {
    const metrics = metricsFor({ prefix: 'my app' });
    metrics.gauge('queue depth', 1, { 'a|b': 'x,y #z' });
    await metrics.close();
    const line = await udp.waitFor(() => true);
    expect(line).toMatch(/^my_app\.queue_depth:1\|g\|#.*,a_b:x_y__z$/);
  });

  it('packs lines into datagrams of at most maxPacketBytes', async () => {
    const metrics = metricsFor({ maxPacketBytes: 400, prefix: 'p', flushIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) metrics.increment('n', i);
    await metrics.close();
    await udp.waitFor((l) => l.startsWith('p.n:19|'));
    expect(udp.lines).toHaveLength(20);
    expect(udp.packets.length).toBeGreaterThan(1);
    for (const p of udp.packets) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(400);
  });

  it('holds at most maxQueue lines: the oldest are dropped and counted', async () => {
    const metrics = metricsFor({ maxQueue: 5, maxPacketBytes: 60_000, flushIntervalMs: 60_000 });
    for (let i = 1; i <= 12; i++) metrics.increment('n', i);
    expect(metrics.stats()).toMatchObject({ queued: 5, dropped: 7 });
    await metrics.close();
    await udp.waitFor((l) => l.startsWith('tributary.stream.n:12|'));
    expect(udp.lines.map((l) => l.split('|')[0])).toEqual([8, 9, 10, 11, 12].map((i) => `tributary.stream.n:${i}`));
    expect(metrics.stats()).toMatchObject({ queued: 0, sentPackets: 1, dropped: 7 });
  });

  it('never throws once created, also after close and for non-finite values', async () => {
    const metrics = metricsFor();
    await metrics.close();
    expect(() => {
      metrics.increment('x');
      metrics.gauge('y', Number.NaN);
      metrics.histogram('z', Infinity);
    }).not.toThrow();
    await expect(metrics.close()).resolves.toBeUndefined();
  });

  it('publishes buffered / inFlight / capacity of every buffering stage, and zeros when it stops', async () => {
    const metrics = metricsFor({ stageSampleIntervalMs: 10, flushIntervalMs: 5 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = Source.range(1, 50)
      .buffer(8, OverflowStrategy.backpressure)
      .mapAsync(2, (x) => gate.then(() => x))
      .runWith(Sink.ignore(), new Materializer({ observer: metrics.stageObserver() }));

    const buffered = await udp.waitFor((l) => l.startsWith('tributary.stream.stage.buffered:8|g|') && l.includes('stage:buffer,'));
    expect(buffered).toMatch(/,stage:buffer,stage_path:buffer_\d+$/);
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.in_flight:2|g|') && l.includes('stage:mapAsync,'));
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.capacity:8|g|') && l.includes('stage:buffer,'));

    release();
    await done;
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.buffered:0|g|') && l.includes('stage:buffer,'));
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.in_flight:0|g|') && l.includes('stage:mapAsync,'));
    await metrics.close();
  });

  it('sums live stages that share a graph path (sub-streams) and publishes zeros when the last one stops', async () => {
    const metrics = metricsFor({ stageSampleIntervalMs: 5, flushIntervalMs: 1 });
    const observer = metrics.stageObserver();
    const stats = (buffered: number) => ({ capacity: 4, buffered, inFlight: 1, peak: buffered, demand: 4 - buffered });
    const a = { name: 'buffer', path: 'sub/buffer#0', stats: stats(3) };
    const b = { name: 'buffer', path: 'sub/buffer#0', stats: stats(2) };
    observer.stageStarted!(a);
    observer.stageStarted!(b);
    observer.stageStarted!({ name: 'map', path: 'map#1' }); // not buffering: ignored
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.buffered:5|g|'));
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.in_flight:2|g|'));
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.capacity:8|g|'));
    observer.stageStopped!(a);
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.buffered:2|g|'));
    observer.stageStopped!(b);
    await udp.waitFor((l) => l.startsWith('tributary.stream.stage.buffered:0|g|'));
    await metrics.close();
    expect(udp.lines.some((l) => l.includes('stage:map'))).toBe(false);
  });
});

describe('DogStatsD endpoint configuration', () => {
  const create = (env: Record<string, string>, url?: string) => () => createDogStatsdMetrics({ application: 'a', env, url }).close();

  it('rejects unix:// URLs with a clear error (Node.js has no Unix datagram sockets)', () => {
    expect(create({ DD_DOGSTATSD_URL: 'unix:///var/run/datadog/dsd.socket' })).toThrow(ConfigurationError);
    expect(create({ DD_DOGSTATSD_URL: 'unix:///var/run/datadog/dsd.socket' })).toThrow(
      'DD_DOGSTATSD_URL=unix:///var/run/datadog/dsd.socket: DogStatsD over a Unix domain socket is not supported ' +
        '(Node.js has no Unix datagram sockets)',
    );
  });

  it('names the variable of a bad URL or port', () => {
    expect(create({ DD_DOGSTATSD_URL: 'tcp://x:1' })).toThrow("DD_DOGSTATSD_URL must look like udp://host:port, got 'tcp://x:1'");
    expect(create({ DD_DOGSTATSD_PORT: '99999' })).toThrow("DD_DOGSTATSD_PORT: port must be an integer in 1..65535, got '99999'");
    expect(create({}, 'udp://h:0')).toThrow("url: port must be an integer in 1..65535, got '0'");
  });

  it('sends to DD_DOGSTATSD_URL=udp://host:port', async () => {
    const udp = await udpListener();
    try {
      const metrics = createDogStatsdMetrics({ application: 'a', env: { DD_DOGSTATSD_URL: `udp://127.0.0.1:${udp.port}` } });
      metrics.increment('via_url');
      await metrics.close();
      expect(await udp.waitFor(() => true)).toMatch(/^tributary\.stream\.via_url:1\|c\|#/);
    } finally {
      udp.close();
    }
  });

  it('validates its settings', () => {
    expect(() => createDogStatsdMetrics({ application: 'a', env: {}, stageSampleIntervalMs: 0 })).toThrow(
      'createDogStatsdMetrics: stageSampleIntervalMs must be a finite, positive number of milliseconds, got 0',
    );
    expect(() => createDogStatsdMetrics({ application: 'a', env: {}, maxQueue: -1 })).toThrow(
      'createDogStatsdMetrics: maxQueue must be a positive integer, got -1',
    );
  });
});
