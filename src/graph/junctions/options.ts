/** Reads an optional boolean option of a junction (default `false`), with a clear error for anything else. */
export function booleanOption<O extends object>(op: string, options: O | undefined, field: keyof O & string): boolean {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${op}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const value: unknown = options?.[field] ?? false;
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${field} must be a boolean, got ${String(value)}`);
  return value;
}
