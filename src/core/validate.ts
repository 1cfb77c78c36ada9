/** Argument checks that name the operator, the argument and the value received. */

export function requirePositiveInt(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${op}: ${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegativeInt(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${op}: ${field} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function requireDuration(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${op}: ${field} must be a finite, non-negative number of milliseconds, got ${String(value)}`);
  }
  return value;
}

export function requireFunction(op: string, field: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${op}: ${field} must be a function, got ${value === null ? 'null' : typeof value}`);
  }
}

export function requirePositiveDuration(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${op}: ${field} must be a finite, positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
