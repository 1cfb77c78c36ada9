/** Finds the Kubernetes API the status reporter talks to, without loading the client when there is none. */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { nonEmpty, type Env } from '../logging/stream-identity';

/** The service account directory Kubernetes mounts into every pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In-cluster configuration, or a kubeconfig file. */
export type KubeConfigSource = { readonly kind: 'cluster' } | { readonly kind: 'file'; readonly path: string };

/**
 * Where the API configuration comes from: the first existing file in `KUBECONFIG`, else the in-cluster service
 * account (`KUBERNETES_SERVICE_HOST` set and a token mounted), else `$HOME/.kube/config`; `undefined` outside a
 * cluster with no kubeconfig.
 */
export function locateKubeConfig(env: Env): KubeConfigSource | undefined {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '' && existsSync(p));
  if (files.length > 0) return { kind: 'file', path: files[0]! };
  const inCluster = nonEmpty(env.KUBERNETES_SERVICE_HOST) !== undefined && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'));
  if (inCluster) return { kind: 'cluster' };
  const home = nonEmpty(env.HOME);
  const homeConfig = home === undefined ? undefined : join(home, '.kube', 'config');
  return homeConfig !== undefined && existsSync(homeConfig) ? { kind: 'file', path: homeConfig } : undefined;
}

/** The pod's namespace from the service account mount, or `undefined` when the file is absent or empty. */
export function readNamespaceFile(path: string): string | undefined {
  try {
    return nonEmpty(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}
