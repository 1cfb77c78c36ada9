/**
 * `tributary/sinks/blob`: record batches as files in Azure Blob Storage or a local folder (a data lake):
 * pluggable formats, rolling, atomic visibility, acknowledgement after commit, backfill completion markers.
 * @packageDocumentation
 */
export { lakeSink, lakeFlow, lakeFlowWithContext, type LakeOptions } from './lake';
export type { LakeSummary, WrittenFile } from './lake-writer';
export { blobStore, type BlobStoreOptions } from './blob-store';
export { localStore } from './local-store';
export type { FileStore, FileUpload } from './file-store';
