/**
 * Optional health endpoints for Kubernetes probes: `/readyz` succeeds while the graph runs, `/healthz` fails when
 * the running stream has made no progress for `progressTimeoutMs`. Progress is a heartbeat (`progress.beat()`,
 * e.g. from a source after every poll, even an empty one, or `progress.flow()` in the graph) or any change in the
 * buffer counters of the running stages.
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Flow, type NotUsed, type StageInfo, type StageObserver } from 'tributary';

/** The heartbeat a stream feeds; available to every program as the `progress` service. */
export interface ProgressTracker {
  /** Records progress now. */
  beat(): void;
  /** `performance.now()` of the last progress (a heartbeat, or a change seen in the stages' buffer counters). */
  lastProgressAt(): number;
  /** A pass-through flow that beats for every element. */
  flow<T>(): Flow<T, T, NotUsed>;
  /** A stage observer that lets the tracker watch the running stages' buffer counters. */
  stageObserver(): StageObserver;
}

class StageProgressTracker implements ProgressTracker {
  private last = performance.now();
  private readonly stages = new Set<StageInfo>();
  private signature = '';

  beat(): void {
    this.last = performance.now();
  }

  lastProgressAt(): number {
    const signature = this.countersSignature();
    if (signature !== this.signature) {
      this.signature = signature;
      this.beat();
    }
    return this.last;
  }

  flow<T>(): Flow<T, T, NotUsed> {
    return Flow.create<T>()
      .map((x) => {
        this.beat();
        return x;
      })
      .named('progress');
  }

  stageObserver(): StageObserver {
    return {
      stageStarted: (stage) => {
        this.stages.add(stage);
        this.beat();
      },
      stageStopped: (stage) => void this.stages.delete(stage),
    };
  }

  private countersSignature(): string {
    let signature = '';
    for (const { stats } of this.stages) if (stats) signature += `${stats.buffered},${stats.inFlight},${stats.peak},${stats.demand};`;
    return signature;
  }
}

/** A fresh progress tracker. */
export function createProgressTracker(): ProgressTracker {
  return new StageProgressTracker();
}

/** Options of `HostBuilder.addHealthChecks`. */
export interface HealthCheckOptions {
  /** The port to listen on (0 = any free port; the port is logged). */
  readonly port: number;
  /** The address to listen on; default all interfaces. */
  readonly host?: string;
  /** `/healthz` fails after this long without progress while the stream runs; default 300 000 ms. */
  readonly progressTimeoutMs?: number;
}

/** Where the host is in its life, as the probes see it. */
export type HostPhase = 'starting' | 'running' | 'stopping';

/** A listening health server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Checks the options of `addHealthChecks` and fills in the defaults; throws naming a bad field. */
export function healthCheckOptions(options: HealthCheckOptions): Required<Omit<HealthCheckOptions, 'host'>> & HealthCheckOptions {
  const progressTimeoutMs = options?.progressTimeoutMs ?? 300_000;
  if (!Number.isInteger(options?.port) || options.port < 0 || options.port > 65_535) {
    throw new RangeError(`addHealthChecks: port must be an integer 0..65535, got ${String(options?.port)}`);
  }
  if (!Number.isFinite(progressTimeoutMs) || progressTimeoutMs <= 0) {
    throw new RangeError(`addHealthChecks: progressTimeoutMs must be a positive number of ms, got ${String(progressTimeoutMs)}`);
  }
  return { ...options, progressTimeoutMs };
}

/** Starts the health endpoints; `phase` is read on every request. */
export async function startHealthServer(
  options: HealthCheckOptions,
  progress: ProgressTracker,
  phase: () => HostPhase,
): Promise<HealthServer> {
  const { progressTimeoutMs } = healthCheckOptions(options);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const current = phase();
    let ok: boolean;
    let body: Record<string, unknown>;
    if (path === '/healthz') {
      const idleMs = Math.round(performance.now() - progress.lastProgressAt());
      ok = current !== 'running' || idleMs <= progressTimeoutMs;
      body = { status: ok ? 'ok' : 'stalled', phase: current, msSinceProgress: idleMs, progressTimeoutMs };
    } else if (path === '/readyz') {
      ok = current === 'running';
      body = { status: ok ? 'ready' : 'not ready', phase: current };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  server.unref();
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
