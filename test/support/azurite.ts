import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { azuriteConnectionString } from '../../azure/connection'; // not 'tributary/azure': global setup has no moduleNameMapper

/** A running in-process Azurite blob service. */
export interface AzuriteServer {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly blobEndpoint: string;
  readonly connectionString: string;
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
}

/** Environment variable the global setup exports the shared server's connection string in. */
export const AZURITE_ENV = 'TRIBUTARY_TEST_AZURITE_CONNECTION_STRING';

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

/**
 * Starts Azurite's blob service in this process (test-infra.md §1): a random loopback port, in-memory
 * persistence, no API version check (the SDK is newer than Azurite 3.35.0), no telemetry (the in-process path
 * never starts it), no access or debug log. Uses Azurite's internal classes, hence the exact version pin.
 */
export async function startAzurite(): Promise<AzuriteServer> {
  const BlobServer = require('azurite/dist/src/blob/BlobServer').default as new (config: unknown) => AzuriteBlobServer;
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default as new (...args: unknown[]) => unknown;
  const config = new BlobConfiguration(
    '127.0.0.1', 0, 5, ':memory:blob-metadata.db', ':memory:blob-extents.db', undefined,
    false /* access log */, undefined, false /* debug log */, undefined, false /* loose */,
    true /* skipApiVersionCheck */, '', '', '', undefined, false /* disableProductStyleUrl */, true /* in-memory */,
  );
  const server = new BlobServer(config);
  await server.start();
  const blobEndpoint = `${server.getHttpServerAddress()}/devstoreaccount1`;
  let stopped: Promise<void> | undefined;
  return {
    blobEndpoint,
    connectionString: azuriteConnectionString(blobEndpoint),
    stop: () => (stopped ??= server.close()),
  };
}

/** The connection string of the Azurite the jest global setup started. */
export function sharedAzurite(): string {
  const connectionString = process.env[AZURITE_ENV];
  if (connectionString === undefined) throw new Error(`${AZURITE_ENV} is not set: run the tests through jest (globalSetup starts Azurite)`);
  return connectionString;
}

/** The `BlobEndpoint` of a development-account connection string. */
export function blobEndpointOf(connectionString: string): string {
  const endpoint = /BlobEndpoint=([^;]+)/.exec(connectionString)?.[1];
  if (endpoint === undefined) throw new Error('connection string has no BlobEndpoint');
  return endpoint;
}

/** A development-account connection string that reaches the same account through `origin` (e.g. a fault proxy). */
export function connectionStringVia(origin: string): string {
  return azuriteConnectionString(`${origin}/devstoreaccount1`);
}

/** Creates a fresh, uniquely named container on the shared Azurite (or on `connectionString`) for one test. */
export async function freshContainer(connectionString: string = sharedAzurite()): Promise<ContainerClient> {
  const service = BlobServiceClient.fromConnectionString(connectionString, { retryOptions: { maxTries: 1 } });
  const container = service.getContainerClient(`t-${randomUUID()}`);
  await container.create();
  return container;
}
