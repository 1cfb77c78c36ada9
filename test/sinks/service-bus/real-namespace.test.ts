import { randomUUID } from 'node:crypto';
import { Committer, Keep, Sink, Source, StageFailure } from 'tributary';
import { ServiceBusOversizeError, ServiceBusSink } from 'tributary/sinks/service-bus';
import { ServiceBusSource, type ServiceBusSourceOptions } from 'tributary/sources/service-bus';

/**
 * The opt-in tier: the same behaviour against a real namespace or the official emulator (docker-compose.yml,
 * service `service-bus-emulator`, entities from deploy/service-bus/Config.json). Set TRIBUTARY_TEST_SERVICEBUS to
 * its connection string; the queues default to `tributary-test` (duplicate detection on) and
 * `tributary-test-sessions` (sessions and duplicate detection on), overridable with TRIBUTARY_TEST_SERVICEBUS_QUEUE
 * and TRIBUTARY_TEST_SERVICEBUS_SESSION_QUEUE.
 */
const connection = process.env['TRIBUTARY_TEST_SERVICEBUS'];
const realTier = connection ? describe : describe.skip; // needs a real namespace or the emulator (TRIBUTARY_TEST_SERVICEBUS)
const QUEUE = process.env['TRIBUTARY_TEST_SERVICEBUS_QUEUE'] ?? 'tributary-test';
const SESSION_QUEUE = process.env['TRIBUTARY_TEST_SERVICEBUS_SESSION_QUEUE'] ?? 'tributary-test-sessions';

interface Row {
  readonly id: string;
  readonly n: number;
  readonly pad: string;
}

realTier('Service Bus against a real namespace', () => {
  jest.setTimeout(120_000);
  const run = randomUUID().slice(0, 8); // message ids unique per run: earlier runs cannot collide in duplicate detection
  const rows = (count: number, bytes: number): Row[] => Array.from({ length: count }, (_, n) => ({ id: `${run}-${n}`, n, pad: 'x'.repeat(bytes) }));

  /** Receives (and completes) everything on `queue` until it has been idle for 3 s. */
  async function drain(options: Omit<ServiceBusSourceOptions, 'connection' | 'topic' | 'subscription'>): Promise<{ id: string; session: string | undefined }[]> {
    const [control, received] = ServiceBusSource.create({ connection: connection!, maxWaitTimeMs: 1_000, completeAfterIdleMs: 3_000, ...options } as ServiceBusSourceOptions)
      .asSource()
      .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 100 }))
      .map(([m, s]) => ({ id: String(m.messageId), session: s.sessionId }))
      .toMat(Sink.seq(), Keep.both)
      .run();
    const out = await received;
    await control.closed;
    return out;
  }

  beforeAll(async () => {
    await drain({ queue: QUEUE });
    await drain({ queue: SESSION_QUEUE, sessions: { idleTimeoutMs: 2_000 } });
  });

  it('sends 1 KB messages in size-aware batches and receives each once, completing it after the commit', async () => {
    const items = rows(500, 1000);
    const summary = await Source.from(items).runWith(ServiceBusSink.create<Row>({ connection: connection!, entity: QUEUE }).sink());
    expect(summary.messages).toBe(500);
    expect(summary.batches).toBeLessThan(50);
    const received = await drain({ queue: QUEUE, maxMessages: 100 });
    expect(received.map((r) => r.id)).toEqual(items.map((r) => r.id));
  });

  it('a replay of the same message ids is dropped by duplicate detection', async () => {
    const items = rows(50, 10);
    const bus = ServiceBusSink.create<Row>({ connection: connection!, entity: QUEUE });
    await Source.from(items).runWith(bus.sink());
    await Source.from(items).runWith(bus.sink());
    const received = await drain({ queue: QUEUE });
    expect(received.map((r) => r.id)).toEqual(items.map((r) => r.id));
  });

  it('keeps per-session order on a session-enabled queue', async () => {
    const items = rows(30, 10);
    await Source.from(items).runWith(
      ServiceBusSink.create<Row>({ connection: connection!, entity: SESSION_QUEUE, toMessage: (r) => ({ body: r, messageId: r.id, sessionId: `${run}-s${r.n % 3}` }) }).sink(),
    );
    const received = await drain({ queue: SESSION_QUEUE, sessions: { idleTimeoutMs: 2_000 } });
    expect(received).toHaveLength(30);
    for (let s = 0; s < 3; s++) {
      const own = received.filter((r) => r.session === `${run}-s${s}`).map((r) => Number(r.id.split('-').pop()));
      expect(own).toEqual(items.filter((r) => r.n % 3 === s).map((r) => r.n));
    }
  });

  it('applies the oversize policy to a message larger than the entity accepts', async () => {
    const failure = await Source.from(rows(1, 1_100_000))
      .runWith(ServiceBusSink.create<Row>({ connection: connection!, entity: QUEUE }).sink())
      .then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).cause).toBeInstanceOf(ServiceBusOversizeError);
  });
});
