/**
 * Reports a schema mismatch to the Arcane operator: merge-patches the stream's Job with the annotation
 * `arcane/state: schema-mismatch`; the job then exits 0 and the operator starts the next run as a backfill.
 *
 * RBAC: the pod's service account needs `patch` on `jobs` in API group `batch` in its namespace (a Role with
 * `apiGroups: ["batch"], resources: ["jobs"], verbs: ["patch"]` and a RoleBinding).
 *
 * `@kubernetes/client-node` 1.x is an ES module: it is loaded with a dynamic `import()`, and only when an API is
 * configured. Outside a cluster with no kubeconfig the reporter logs the patch it would have sent and resolves.
 */
import { join } from 'node:path';
import { requireDuration, requirePositiveDuration, requirePositiveInt } from '../../src/core/validate';
import type { HostLogger, StreamStatusReporter } from '../contracts';
import type { StreamIdentity } from '../logging/stream-identity';
import { locateKubeConfig, readNamespaceFile, SERVICE_ACCOUNT_DIR, type KubeConfigSource } from './kube-target';

/** The annotation the Arcane operator reads. */
const STATE_ANNOTATION = 'arcane/state';

/** Options of `createKubernetesStatusReporter`. */
export interface KubernetesStatusReporterOptions extends StreamIdentity {
  /** Where the reporter says what it did (or would have done). */
  readonly logger: HostLogger;
  /**
   * The Job's namespace; default the pod's (`namespaceFile`), else the kubeconfig context's, else `default`.
   */
  readonly namespace?: string;
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount/namespace`. */
  readonly namespaceFile?: string;
  /** The Job's name for a stream id; default the stream id itself (the operator names Jobs so). */
  readonly jobName?: (streamId: string) => string;
  /** Attempts on network errors, 429 and 5xx. Default 3. */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled per retry. Default 500 ms. */
  readonly retryDelayMs?: number;
  /**
   * How long one attempt may wait for the API server's answer before it counts as failed (and is retried), so an
   * unresponsive API server cannot keep the job from exiting. Default 10 000 ms.
   */
  readonly attemptTimeoutMs?: number;
}

type K8s = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

/**
 * Creates the Kubernetes status reporter. `reportSchemaMismatch` rejects with an error naming the Job, the
 * namespace and the HTTP status when the API refuses the patch (403: missing RBAC; 404: no such Job).
 *
 * @example
 * const reporter = createKubernetesStatusReporter({ application: 'orders-cdc', logger });
 * await reporter.reportSchemaMismatch('orders');   // PATCH /apis/batch/v1/namespaces/<ns>/jobs/orders
 */
export function createKubernetesStatusReporter(options: KubernetesStatusReporterOptions): StreamStatusReporter {
  const op = 'createKubernetesStatusReporter';
  const maxAttempts = requirePositiveInt(op, 'maxAttempts', options.maxAttempts ?? 3);
  const retryDelayMs = requireDuration(op, 'retryDelayMs', options.retryDelayMs ?? 500);
  const attemptTimeoutMs = requirePositiveDuration(op, 'attemptTimeoutMs', options.attemptTimeoutMs ?? 10_000);
  const env = options.env ?? process.env;
  const logger = options.logger;

  return {
    async reportSchemaMismatch(streamId: string): Promise<void> {
      const job = (options.jobName ?? ((id: string) => id))(streamId);
      const body = { metadata: { annotations: { [STATE_ANNOTATION]: 'schema-mismatch' } } };
      const namespaceFile = options.namespaceFile ?? join(SERVICE_ACCOUNT_DIR, 'namespace');
      const podNamespace = options.namespace ?? readNamespaceFile(namespaceFile);
      const source = locateKubeConfig(env);
      if (source === undefined) {
        const namespace = podNamespace ?? 'default';
        logger.warn('not in a Kubernetes cluster (no in-cluster config, no kubeconfig): would merge-patch the Job', {
          job,
          namespace,
          patch: body,
        });
        return;
      }
      const k8s: K8s = await import('@kubernetes/client-node');
      const kc = load(k8s, source);
      const namespace = podNamespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
      const api = kc.makeApiClient(k8s.BatchV1Api);
      const patchOptions = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      for (let attempt = 1; ; attempt++) {
        try {
          await withinTime(api.patchNamespacedJob({ name: job, namespace, body }, patchOptions), attemptTimeoutMs);
          logger.info(`annotated Job with ${STATE_ANNOTATION}: schema-mismatch`, { job, namespace });
          return;
        } catch (e) {
          const status = e instanceof k8s.ApiException ? e.code : undefined;
          const transient = status === undefined || status === 429 || status >= 500;
          if (!transient || attempt >= maxAttempts) throw patchError(job, namespace, status, e);
          logger.warn('patching the Job failed; retrying', { job, namespace, attempt, httpStatus: status });
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
        }
      }
    },
  };
}

/** `work`, or a rejection when it has not settled within `ms` (the request itself is left to the HTTP agent). */
function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the Kubernetes API within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function load(k8s: K8s, source: KubeConfigSource): InstanceType<K8s['KubeConfig']> {
  const kc = new k8s.KubeConfig();
  if (source.kind === 'cluster') kc.loadFromCluster();
  else kc.loadFromFile(source.path);
  return kc;
}

function patchError(job: string, namespace: string, status: number | undefined, cause: unknown): Error {
  const what = `could not annotate Job '${job}' in namespace '${namespace}' with ${STATE_ANNOTATION}: schema-mismatch`;
  const why =
    status === 403
      ? 'HTTP 403: the service account needs RBAC permission to patch jobs (apiGroups: [batch], verbs: [patch])'
      : status === 404
        ? 'HTTP 404: no such Job'
        : status !== undefined
          ? `HTTP ${status}`
          : (cause as Error)?.message ?? String(cause);
  return new Error(`${what} (${why})`, { cause });
}
