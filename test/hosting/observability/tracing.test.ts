import { decode } from '@msgpack/msgpack';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runFixture } from './support/run-fixture';

interface AgentSpan {
  readonly trace_id: bigint;
  readonly span_id: bigint;
  readonly name: string;
  readonly resource: string;
  readonly service: string;
  readonly error: number;
  readonly meta: Record<string, string>;
  readonly metrics: Record<string, number>;
}

/** A Datadog trace agent on loopback: decodes `PUT /v0.4/traces` (msgpack) and answers everything else with 404. */
async function captureAgent(): Promise<{ server: Server; url: string; spans: AgentSpan[] }> {
  const spans: AgentSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (req.url === '/v0.4/traces') {
        const traces = decode(Buffer.concat(chunks), { useBigInt64: true }) as AgentSpan[][];
        for (const trace of traces) spans.push(...trace);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"rate_by_service":{}}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

const preload = join(__dirname, '../../../hosting/tracing/preload.ts');
const quiet = { DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false', DD_REMOTE_CONFIGURATION_ENABLED: 'false' };

/** The trace id as dd-trace writes it in logs: 128-bit hex (upper half in `_dd.p.tid`) or 64-bit decimal. */
function logTraceId(span: AgentSpan): string[] {
  const high = span.meta['_dd.p.tid'];
  const decimal = span.trace_id.toString();
  return high === undefined ? [decimal] : [`${high}${span.trace_id.toString(16).padStart(16, '0')}`, decimal];
}

describe('tracing (dd-trace, in a child process)', () => {
  it('sends spans tagged with the stream to the agent and puts their ids in log lines inside them', async () => {
    const agent = await captureAgent();
    try {
      const run = await runFixture('traced-work', { ...quiet, DD_TRACE_AGENT_URL: agent.url }, { preload: [preload] });
      expect(run.code).toBe(0);
      const poll = agent.spans.find((s) => s.name === 'source.poll');
      const flush = agent.spans.find((s) => s.name === 'sink.flush');
      expect(poll).toBeDefined();
      expect(flush).toBeDefined();
      expect(poll!.resource).toBe('dbo.orders');
      expect(poll!.service).toBe('trace-fixture');
      expect(poll!.meta).toMatchObject({ stream_id: 'orders-1', stream_kind: 'SqlServerCdc', mode: 'backfill' });
      expect(poll!.metrics.rows).toBe(3);
      expect(poll!.error).toBe(0);
      expect(flush!.error).toBe(1);
      expect(flush!.meta['error.message']).toBe('flush failed');

      const polled = run.lines.find((l) => l.message === 'polled') as { dd?: { trace_id: string; span_id: string } };
      expect(logTraceId(poll!)).toContain(polled.dd?.trace_id);
      expect(polled.dd?.span_id).toBe(poll!.span_id.toString());
      const outside = run.lines.find((l) => l.message === 'outside any span');
      expect(outside).toBeDefined();
      expect(outside!.dd).toBeUndefined();
    } finally {
      agent.server.close();
    }
  });

  it('correlates logs without the preload too (winston loaded before dd-trace)', async () => {
    const agent = await captureAgent();
    try {
      const run = await runFixture('traced-work', { ...quiet, DD_TRACE_AGENT_URL: agent.url });
      expect(run.code).toBe(0);
      const poll = agent.spans.find((s) => s.name === 'source.poll');
      const polled = run.lines.find((l) => l.message === 'polled') as { dd?: { trace_id: string; span_id: string } };
      expect(polled.dd?.span_id).toBe(poll!.span_id.toString());
      expect(logTraceId(poll!)).toContain(polled.dd?.trace_id);
    } finally {
      agent.server.close();
    }
  });

  it('is off with DD_TRACE_ENABLED=false: the work runs, nothing reaches the agent, no ids in logs', async () => {
    const agent = await captureAgent();
    try {
      const env = { ...quiet, DD_TRACE_AGENT_URL: agent.url, DD_TRACE_ENABLED: 'false' };
      const run = await runFixture('traced-work', env, { preload: [preload] });
      expect(run.code).toBe(0);
      expect(run.lines.map((l) => l.message)).toEqual(['polled', 'flush error seen', 'outside any span']);
      expect(run.lines.every((l) => l.dd === undefined)).toBe(true);
      expect(agent.spans).toEqual([]);
    } finally {
      agent.server.close();
    }
  });

  it('neither crashes nor blocks when no agent listens', async () => {
    const agent = await captureAgent();
    const url = agent.url;
    await new Promise((resolve) => agent.server.close(resolve)); // nothing listens on that port now
    const run = await runFixture('traced-work', { ...quiet, DD_TRACE_AGENT_URL: url }, { preload: [preload], timeoutMs: 10_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.lines.find((l) => l.message === 'polled')?.dd).toBeDefined();
  });
});
