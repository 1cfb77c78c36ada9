/**
 * Checks a checkpoint key: a non-empty path of `/`-separated segments (e.g. `sqlserver/prod-1/orders`), at most
 * 1024 characters, without empty, `.` or `..` segments, backslashes or control characters, so every store can
 * map it to a file or blob name safely.
 */
export function requireCheckpointKey(op: string, key: unknown): string {
  return requireSafePath(op, 'key', key);
}

/**
 * Checks a relative path by the rules of checkpoint keys (used for file and blob names as well); `noun` names
 * it in the message, e.g. `path`.
 */
export function requireSafePath(op: string, noun: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) fail(op, noun, key, 'must be a non-empty string');
  if (key.length > 1024) fail(op, noun, key, 'is longer than 1024 characters');
  if (/[\u0000-\u001f\u007f\\]/.test(key)) fail(op, noun, key, 'must not contain control characters or backslashes');
  if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    fail(op, noun, key, "must be '/'-separated segments, none of them empty, '.' or '..'");
  }
  return key;
}

function fail(op: string, noun: string, key: unknown, why: string): never {
  throw new TypeError(`${op}: ${noun} ${JSON.stringify(key) ?? String(key)} ${why}`);
}
