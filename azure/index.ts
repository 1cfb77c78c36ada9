/**
 * `tributary/azure`: durable state on Azure Blob Storage (checkpoints and single-owner leases) and the
 * connection settings they share.
 * @packageDocumentation
 */
export { blobContainer, azuriteConnectionString, AzuriteDevelopmentAccount, type BlobContainerConfig, type BlobTokenCredential } from './connection';
export { BlobCheckpointStore, type BlobCheckpointStoreOptions } from './blob-checkpoint-store';
export { BlobLease, type BlobLeaseOptions } from './blob-lease';
export { BlobStorageError, type BlobRetryOptions } from './storage-call';
export type { TimingOptions } from './scheduling';
