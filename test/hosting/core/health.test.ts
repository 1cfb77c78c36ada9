import { get } from 'node:http';
import { compileProject, killAll, spawnProgram, type CompiledProject } from '../fixtures/harness';

function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
    }).on('error', reject);
  });
}

/** `/readyz` once the graph runs; `/healthz` fails once the running stream stops making progress. */
describe('health checks', () => {
  let project: CompiledProject;
  beforeAll(() => (project = compileProject()));
  afterAll(() => {
    killAll();
    project.remove();
  });

  it('reports readiness and a stalled stream', async () => {
    const program = spawnProgram(project.js('test/hosting/fixtures/health-program.ts'), { env: { PROGRESS_TIMEOUT_MS: '500' } });
    const port = Number(/port (\d+)/.exec(await program.waitForLine(/health checks listening on port \d+/))![1]);

    // Starting (the graph builder waits for SIGUSR2): alive but not ready.
    expect(await probe(port, '/readyz')).toMatchObject({ status: 503, body: { phase: 'starting' } });
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await probe(port, '/nope')).status).toBe(404);

    program.child.kill('SIGUSR2');
    await program.waitForLine(/stream running/);
    expect(await probe(port, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', phase: 'running' } });
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });

    // Elements stop flowing; 500 ms later the stream counts as stalled.
    program.child.kill('SIGUSR1');
    let health = await probe(port, '/healthz');
    for (let i = 0; i < 100 && health.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      health = await probe(port, '/healthz');
    }
    expect(health).toMatchObject({ status: 503, body: { status: 'stalled', phase: 'running', progressTimeoutMs: 500 } });
    expect(health.body.msSinceProgress).toBeGreaterThan(500);

    program.child.kill('SIGTERM');
    expect((await program.exited).code).toBe(0);
  });
});
