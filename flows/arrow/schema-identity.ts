/**
 * Schema identity: a fingerprint that is equal for equal schemas (field names, types, nullability, metadata),
 * used to detect schema changes, name schema files and roll files in the sinks.
 */
import { createHash } from 'node:crypto';
import { Schema, type Field } from 'apache-arrow';

/** Schema metadata key: the source table of the rows (`schema.table`), when known. */
export const TABLE_METADATA_KEY = 'tributary.table';
/** Schema metadata key: the schema's fingerprint (see `schemaFingerprint`). */
export const FINGERPRINT_METADATA_KEY = 'tributary.schema.fingerprint';

const cache = new WeakMap<Schema, string>();

function sortedEntries(map: ReadonlyMap<string, string>, skip?: string): [string, string][] {
  return [...map.entries()].filter(([k]) => k !== skip).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function describeField(f: Field): unknown {
  return [f.name, String(f.type), f.nullable, sortedEntries(f.metadata)];
}

/**
 * A short, stable fingerprint of a schema (16 characters of base64url SHA-256 over field names, types,
 * nullability and metadata, the fingerprint key itself excluded). Equal schemas have equal fingerprints.
 * @example if (schemaFingerprint(batch.schema) !== last) startNewFile();
 */
export function schemaFingerprint(schema: Schema): string {
  let fp = cache.get(schema);
  if (fp === undefined) {
    const canonical = JSON.stringify([schema.fields.map(describeField), sortedEntries(schema.metadata, FINGERPRINT_METADATA_KEY)]);
    fp = createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
    cache.set(schema, fp);
  }
  return fp;
}

/** `schema` with its fingerprint (and `extra` metadata) recorded in its metadata. */
export function stampSchema(schema: Schema, extra: ReadonlyMap<string, string> = new Map()): Schema {
  const metadata = new Map(schema.metadata);
  for (const [k, v] of extra) metadata.set(k, v);
  metadata.delete(FINGERPRINT_METADATA_KEY);
  const base = new Schema(schema.fields, metadata);
  const fp = schemaFingerprint(base);
  metadata.set(FINGERPRINT_METADATA_KEY, fp);
  const stamped = new Schema(schema.fields, metadata);
  cache.set(stamped, fp);
  return stamped;
}

/**
 * The source table recorded in a schema's metadata, if any.
 * @example tableOfSchema(batch.schema) // 'dbo.orders'
 */
export function tableOfSchema(schema: Schema): string | undefined {
  return schema.metadata.get(TABLE_METADATA_KEY);
}

/**
 * A one-line description of a schema for messages.
 * @example describeSchema(batch.schema) // 'id: Int64 not null, name: Utf8'
 */
export function describeSchema(schema: Schema): string {
  return schema.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '' : ' not null'}`).join(', ');
}

/** What differs between two schemas, for messages: the first added, removed or changed field. */
export function schemaDifference(previous: Schema, next: Schema): string {
  const before = new Map(previous.fields.map((f) => [f.name, f]));
  const after = new Map(next.fields.map((f) => [f.name, f]));
  for (const f of next.fields) {
    const old = before.get(f.name);
    if (!old) return `field '${f.name}' (${String(f.type)}) was added`;
    if (String(old.type) !== String(f.type) || old.nullable !== f.nullable) {
      return `field '${f.name}' changed from ${String(old.type)}${old.nullable ? '' : ' not null'} to ${String(f.type)}${f.nullable ? '' : ' not null'}`;
    }
  }
  for (const f of previous.fields) if (!after.has(f.name)) return `field '${f.name}' (${String(f.type)}) was removed`;
  const t0 = tableOfSchema(previous);
  const t1 = tableOfSchema(next);
  if (t0 !== t1) return `the table changed from ${t0 ?? '(none)'} to ${t1 ?? '(none)'}`;
  if (previous.fields.map((f) => f.name).join() !== next.fields.map((f) => f.name).join()) return 'the field order changed';
  return 'the schema metadata changed';
}
