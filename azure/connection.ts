import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';

/** A token credential from `@azure/identity` (`DefaultAzureCredential`, `ManagedIdentityCredential`, …). */
export type BlobTokenCredential = Pick<DefaultAzureCredential, 'getToken'>;

/**
 * Where checkpoints and leases live: a container, reached with a connection string (account key or SAS, or
 * Azurite's development account) or with an account URL and a token credential (production; default
 * `DefaultAzureCredential`: workload identity, managed identity, Azure CLI…).
 */
export type BlobContainerConfig =
  | { readonly container: string; readonly connectionString: string }
  | { readonly container: string; readonly accountUrl: string; readonly credential?: BlobTokenCredential };

/** Azurite's well-known development account (public; works only against the emulator). */
export const AzuriteDevelopmentAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  /** Azurite's default blob endpoint. */
  blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
} as const;

/**
 * The connection string of Azurite's development account at `blobEndpoint` (default `127.0.0.1:10000`), for
 * tests and local runs.
 * @example blobContainer({ container: 'checkpoints', connectionString: azuriteConnectionString() })
 */
export function azuriteConnectionString(blobEndpoint: string = AzuriteDevelopmentAccount.blobEndpoint): string {
  const a = AzuriteDevelopmentAccount;
  return `DefaultEndpointsProtocol=http;AccountName=${a.name};AccountKey=${a.key};BlobEndpoint=${blobEndpoint};`;
}

/**
 * A `ContainerClient` for `config`. The client makes one attempt per call: the checkpoint store and the lease
 * retry transient failures themselves (with backoff, time limits and injectable time).
 *
 * @example
 * // production: managed or workload identity
 * const container = blobContainer({ container: 'checkpoints', accountUrl: 'https://acct.blob.core.windows.net' });
 * // local: Azurite
 * const local = blobContainer({ container: 'checkpoints', connectionString: azuriteConnectionString() });
 */
export function blobContainer(config: BlobContainerConfig): ContainerClient {
  const container = requireContainerName(config?.container);
  const pipeline: StoragePipelineOptions = { retryOptions: { maxTries: 1 }, userAgentOptions: { userAgentPrefix: 'tributary' } };
  if ('connectionString' in config) {
    if (typeof config.connectionString !== 'string' || config.connectionString.trim() === '') {
      throw new TypeError(`blobContainer: connectionString for container '${container}' must be a non-empty string`);
    }
    return BlobServiceClient.fromConnectionString(config.connectionString, pipeline).getContainerClient(container);
  }
  if ('accountUrl' in config) {
    const url = requireAccountUrl(container, config.accountUrl);
    const credential = config.credential ?? new DefaultAzureCredential();
    return new BlobServiceClient(url, credential, pipeline).getContainerClient(container);
  }
  throw new TypeError(`blobContainer: give connectionString or accountUrl for container '${container}'`);
}

/** Checks Azure's container naming rules (3–63 lowercase letters, digits and single hyphens). */
function requireContainerName(name: unknown): string {
  if (typeof name !== 'string' || !/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name)) {
    throw new TypeError(
      `blobContainer: container must be 3-63 lowercase letters, digits and single hyphens, starting with a letter ` +
        `or digit, got ${JSON.stringify(name) ?? String(name)}`,
    );
  }
  return name;
}

function requireAccountUrl(container: string, url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new TypeError(
      `blobContainer: accountUrl for container '${container}' must be an http(s) URL such as ` +
        `https://<account>.blob.core.windows.net, got ${JSON.stringify(url) ?? String(url)}`,
    );
  }
  return parsed.toString();
}
