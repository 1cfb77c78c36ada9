/** Errors of the Arrow flows and formats. */

/**
 * A row does not fit the schema it must be written with: a value of the wrong type, a null in a non-nullable
 * field, an unknown field, or a row that is not an object. Names the field, what was expected and what came.
 * @example
 * const cause = rootCause(error);
 * if (cause instanceof RecordBatchSchemaError) log.error(`element #${cause.element}: field ${cause.field}`);
 */
export class RecordBatchSchemaError extends Error {
  override readonly name = 'RecordBatchSchemaError';
  constructor(
    message: string,
    /** The field (column) at fault, when one is. */
    readonly field: string | undefined,
    /** The position of the element in the stream (0-based). */
    readonly element: number,
  ) {
    super(message);
  }
}

/**
 * The schema changed mid-stream and the flow was told to fail on schema changes (`schemaChange: 'fail'`) —
 * Arcane's `SchemaMismatchException`: the host can report it so the stream restarts in backfill mode.
 * @example createHost(…).addExceptionHandler((e) => (e instanceof SchemaChangedError ? { exitCode: 0 } : undefined))
 */
export class SchemaChangedError extends Error {
  override readonly name = 'SchemaChangedError';
  constructor(
    message: string,
    /** What differs (e.g. `field 'price' changed from Float64 to Utf8`). */
    readonly reason: string,
    readonly previousFingerprint: string,
    readonly nextFingerprint: string,
  ) {
    super(message);
  }
}

/**
 * A file or message cannot be encoded or decoded by a format. Names the format and what went wrong.
 * @example await decodeBatches(parquet, garbage).catch((e) => e instanceof FormatError && e.format) // 'parquet'
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    message: string,
    readonly format: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
