/**
 * `tributary/flows/arrow`: rows and change events as Apache Arrow record batches, pluggable file formats
 * (NDJSON, Arrow IPC stream and file, Parquet), and Arrow bodies for Service Bus messages.
 * @packageDocumentation
 */
export { toRecordBatches, toRecordBatchesWithContext, type ToRecordBatchesOptions, type SchemaChange } from './to-record-batches';
export type { SchemaSource } from './row-shaper';
export { fromRecordBatches, rowsOf, type RowOptions } from './rows';
export { schemaOf, columnsOf, type ColumnDef, type ColumnType, type DecimalType, type TimestampType } from './column-types';
export { CHANGE_EVENT_COLUMNS, isChangeEvent, type ChangeEventLike } from './change-events';
export {
  schemaFingerprint, tableOfSchema, describeSchema, TABLE_METADATA_KEY, FINGERPRINT_METADATA_KEY,
} from './schema-identity';
export { RecordBatchSchemaError, SchemaChangedError, FormatError } from './errors';
export {
  encodeBatches, decodeBatches, encoderFor, type Format, type FormatCapabilities, type BatchEncoder, type EncodedBytes,
  type DecodeInput, type DecodeOptions,
} from './formats/format';
export { FormatRegistry, UnknownFormatError, formats, builtInFormats } from './formats/registry';
export { ndjson } from './formats/ndjson';
export { arrowIpcStreamFormat, arrowIpcFileFormat } from './formats/arrow-ipc';
export { parquet, parquetFormat, type ParquetFormatOptions, type ParquetCompression } from './formats/parquet';
export {
  toMessage, toMessages, fromMessage, ARROW_STREAM_CONTENT_TYPE, type ArrowMessageOptions, type ArrowServiceBusMessage,
} from './service-bus';
