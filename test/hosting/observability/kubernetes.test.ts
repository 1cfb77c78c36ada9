import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createDatadogLogger, createKubernetesStatusReporter } from '../../../hosting/observability';
import { runFixture } from './support/run-fixture';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** A Kubernetes API endpoint on loopback: answers each request with the next status of `statuses` (then 200). */
async function fakeApiServer(statuses: number[]): Promise<{ server: Server; port: number; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const { method = '', url = '', headers } = req;
      seen.push({ method, url, contentType: headers['content-type'], authorization: headers.authorization, body });
      const status = statuses.shift() ?? 200;
      if (status === 0) return; // never answers (closed with the server)
      res.writeHead(status, { 'content-type': 'application/json' });
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } };
      res.end(JSON.stringify(status === 200 ? job : { kind: 'Status', code: status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe('Kubernetes status reporter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-k8s-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function kubeconfig(port: number, namespace = 'streams'): string {
    const path = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        // Plain HTTP needs insecure-skip-tls-verify with @kubernetes/client-node 1.x.
        `clusters: [{ name: test, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]`,
        'users: [{ name: robot, user: { token: test-token } }]',
        `contexts: [{ name: test, context: { cluster: test, user: robot, namespace: ${namespace} } }]`,
        'current-context: test',
      ].join('\n'),
    );
    return path;
  }

  it('merge-patches the Job named after the stream id in the context namespace', async () => {
    const api = await fakeApiServer([]);
    try {
      const run = await runFixture('report-schema-mismatch', { KUBECONFIG: kubeconfig(api.port), FIXTURE_STREAM_ID: 'orders-cdc-7' });
      expect(run.lines.at(-1)).toEqual({ result: 'ok' });
      expect(api.seen).toEqual([
        {
          method: 'PATCH',
          url: '/apis/batch/v1/namespaces/streams/jobs/orders-cdc-7',
          contentType: 'application/merge-patch+json',
          authorization: 'Bearer test-token',
          body: JSON.stringify({ metadata: { annotations: { 'arcane/state': 'schema-mismatch' } } }),
        },
      ]);
      expect(run.lines).toContainEqual(expect.objectContaining({ status: 'info', job: 'orders-cdc-7', namespace: 'streams' }));
    } finally {
      api.server.close();
    }
  });

  it("uses the pod's namespace file over the kubeconfig context", async () => {
    const api = await fakeApiServer([]);
    try {
      const nsFile = join(dir, 'namespace');
      writeFileSync(nsFile, 'pod-ns\n');
      const run = await runFixture('report-schema-mismatch', {
        KUBECONFIG: kubeconfig(api.port),
        FIXTURE_STREAM_ID: 's1',
        FIXTURE_NAMESPACE_FILE: nsFile,
      });
      expect(run.lines.at(-1)).toEqual({ result: 'ok' });
      expect(api.seen.map((r) => r.url)).toEqual(['/apis/batch/v1/namespaces/pod-ns/jobs/s1']);
    } finally {
      api.server.close();
    }
  });

  it('retries a transient failure (503) and then succeeds', async () => {
    const api = await fakeApiServer([503]);
    try {
      const run = await runFixture('report-schema-mismatch', { KUBECONFIG: kubeconfig(api.port), FIXTURE_STREAM_ID: 's1' });
      expect(run.lines.at(-1)).toEqual({ result: 'ok' });
      expect(api.seen).toHaveLength(2);
      expect(run.lines).toContainEqual(expect.objectContaining({ status: 'warn', attempt: 1, httpStatus: 503 }));
    } finally {
      api.server.close();
    }
  });

  it('an attempt the API server never answers times out and is retried (regression: the job hung)', async () => {
    const api = await fakeApiServer([0, 0]);
    try {
      const run = await runFixture('report-schema-mismatch', {
        KUBECONFIG: kubeconfig(api.port),
        FIXTURE_STREAM_ID: 's1',
        FIXTURE_ATTEMPT_TIMEOUT_MS: '200',
      });
      const last = run.lines.at(-1) as { result: string; message: string };
      expect(last).toEqual({ result: 'ok' }); // the third attempt is answered
      expect(api.seen).toHaveLength(3);
      expect(run.lines).toContainEqual(expect.objectContaining({ status: 'warn', attempt: 2 }));
    } finally {
      api.server.closeAllConnections();
      api.server.close();
    }
  });

  it('rejects at once with an RBAC hint on 403', async () => {
    const api = await fakeApiServer([403]);
    try {
      const run = await runFixture('report-schema-mismatch', { KUBECONFIG: kubeconfig(api.port), FIXTURE_STREAM_ID: 's1' });
      const last = run.lines.at(-1) as { result: string; message: string };
      expect(last.result).toBe('error');
      expect(last.message).toContain("could not annotate Job 's1' in namespace 'streams'");
      expect(last.message).toContain('HTTP 403');
      expect(last.message).toContain('patch jobs');
      expect(api.seen).toHaveLength(1);
    } finally {
      api.server.close();
    }
  });

  it('outside a cluster without kubeconfig logs what it would have done and resolves', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    const logger = createDatadogLogger({ application: 'app', env: {}, output });
    const reporter = createKubernetesStatusReporter({ application: 'app', logger, env: { HOME: dir }, namespaceFile: join(dir, 'none') });
    await expect(reporter.reportSchemaMismatch('orders')).resolves.toBeUndefined();
    await logger.flush();
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      status: 'warn',
      job: 'orders',
      namespace: 'default',
      patch: { metadata: { annotations: { 'arcane/state': 'schema-mismatch' } } },
    });
    expect(line.message).toContain('would merge-patch');
  });

  it('validates its options', () => {
    const logger = createDatadogLogger({ application: 'app', env: {}, output: new PassThrough() });
    expect(() => createKubernetesStatusReporter({ application: 'app', logger, maxAttempts: 0 })).toThrow(
      'createKubernetesStatusReporter: maxAttempts must be a positive integer, got 0',
    );
  });
});
