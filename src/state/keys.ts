/**
 * Checks a checkpoint key: a non-empty path of `/`-separated segments (e.g. `sqlserver/prod-1/orders`), at most
 * 1024 characters, without empty, `.` or `..` segments, backslashes or control characters, so every store can
 * map it to a file or blob name safely.
 */
export function requireCheckpointKey(op: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) fail(op, key, 'must be a non-empty string');
  if (key.length > 1024) fail(op, key, 'is longer than 1024 characters');
  if (/[\u0000-\u001f\u007f\\]/.test(key)) fail(op, key, 'must not contain control characters or backslashes');
  if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    fail(op, key, "must be '/'-separated segments, none of them empty, '.' or '..'");
  }
  return key;
}

function fail(op: string, key: unknown, why: string): never {
  throw new TypeError(`${op}: key ${JSON.stringify(key) ?? String(key)} ${why}`);
}
