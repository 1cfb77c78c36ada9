import { requirePositiveInt } from '../core/validate';
import type { CheckpointSchema } from './checkpoint-store';
import { CheckpointFormatError } from './errors';

/** Reads and writes checkpoint documents: `{ "schemaVersion": n, "value": … }` as JSON. Shared by every store. */
export class CheckpointCodec<T> {
  private readonly version: number;
  private readonly upgrade: ((value: unknown, fromVersion: number) => T) | undefined;

  constructor(op: string, schema: CheckpointSchema<T> = {}) {
    this.version = requirePositiveInt(op, 'schema.version', schema.version ?? 1);
    this.upgrade = schema.upgrade;
  }

  /** The document text for `value` (stable for equal values, so equal writes compare equal). */
  encode(value: T): string {
    return `${JSON.stringify({ schemaVersion: this.version, value }, null, 2)}\n`;
  }

  /** Parses a document; throws `CheckpointFormatError` naming `key` and `location` when it cannot be used. */
  decode(text: string, key: string, location: string): T {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new CheckpointFormatError(key, location, `is not valid JSON (${(e as Error).message})`);
    }
    if (typeof doc !== 'object' || doc === null || !('value' in doc) || !('schemaVersion' in doc)) {
      throw new CheckpointFormatError(key, location, 'is not a checkpoint document (missing schemaVersion or value)');
    }
    const { schemaVersion, value } = doc as { schemaVersion: unknown; value: unknown };
    if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
      throw new CheckpointFormatError(key, location, `has an invalid schemaVersion ${JSON.stringify(schemaVersion)}`);
    }
    if (schemaVersion === this.version) return value as T;
    if (schemaVersion > this.version) {
      throw new CheckpointFormatError(
        key,
        location,
        `was written with schema version ${schemaVersion}, but this program reads up to version ${this.version}: ` +
          'run a newer version of the program (the checkpoint is left untouched)',
      );
    }
    if (this.upgrade === undefined) {
      throw new CheckpointFormatError(
        key,
        location,
        `was written with schema version ${schemaVersion}, older than this program's version ${this.version}, ` +
          'and no schema.upgrade function was given',
      );
    }
    return this.upgrade(value, schemaVersion);
  }
}
