/**
 * Builds one `RecordBatch` of a fixed schema from rows given as values in field order.
 */
import { RecordBatch, Struct, makeData, type Schema } from 'apache-arrow';
import { columnBuilder, type ColumnBuilder } from './column-builders';
import type { ColumnKind } from './column-types';

/** Appends rows to the columns of one batch; `finish()` hands the batch over. Not reusable after `finish`. */
export class BatchBuilder {
  private readonly builders: ColumnBuilder[];
  /** Rows appended. */
  rows = 0;
  /** Approximate size of the batch's buffers in bytes (values plus offsets). */
  bytes = 0;

  constructor(
    readonly schema: Schema,
    readonly kinds: readonly ColumnKind[],
    capacity: number,
  ) {
    this.builders = kinds.map((k, i) => columnBuilder(k, schema.fields[i]!.nullable, capacity));
  }

  /**
   * Appends one row (`values[i]` for field `i`). Returns -1 when it was appended, or the index of the first field
   * whose builder refused its value; the row is then not appended at all.
   */
  append(values: ArrayLike<unknown>): number {
    const builders = this.builders;
    let added = 0;
    for (let i = 0; i < builders.length; i++) {
      const bytes = builders[i]!.append(values[i]);
      if (bytes < 0) {
        for (let j = 0; j < i; j++) builders[j]!.truncate(this.rows);
        return i;
      }
      added += bytes;
    }
    this.rows++;
    this.bytes += added;
    return -1;
  }

  /** The batch of the rows appended so far. */
  finish(): RecordBatch {
    const fields = this.schema.fields;
    const children = this.builders.map((b, i) => b.finish(fields[i]!.type));
    const data = makeData({ type: new Struct(fields), length: this.rows, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }
}
