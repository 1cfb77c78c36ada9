/**
 * Secret redaction for everything the logger writes: messages, fields, error messages and stacks. Connection
 * strings keep their harmless parts (`Server=…;Password=[REDACTED]`), so a line still says what failed.
 */

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Connection-string keys whose value is a secret (ADO.NET, Azure Storage / Service Bus / Event Hubs, ODBC). */
const SECRET_KEYS =
  'password|pwd|passwd|accountkey|sharedaccesskey|sharedaccesssignature|sharedsecret|clientsecret|client_secret|' +
  'secret|apikey|api_key|api-key|accesskey|access_key|access_token|refresh_token|token|sig';

const patterns: readonly [RegExp, string][] = [
  // Authorization header values (a Service Bus SAS token holds `sig=` itself, so these go first).
  [/\b(Bearer|Basic|SharedAccessSignature)(\s+)[A-Za-z0-9\-._~+/=%&:]{8,}/g, `$1$2${REDACTED}`],
  // "password": "…" (JSON text inside a message)
  [new RegExp(`("(?:${SECRET_KEYS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // A SAS in a storage connection string runs up to the next `;` (its own `&` included).
  [/(\bSharedAccessSignature\s*=\s*)[^;\s"']+/gi, `$1${REDACTED}`],
  // Key=value in connection strings and query strings: a quoted or braced value, else everything up to a `;` on
  // the same line (passwords may hold spaces), else up to whitespace, `&` or a quote.
  [
    new RegExp(`(\\b(?:${SECRET_KEYS})\\s*=\\s*)(?:"[^"]*"|'[^']*'|\\{[^}]*\\}|[^;\\r\\n"']*?(?=;)|[^;&\\s"'<>]+)`, 'gi'),
    `$1${REDACTED}`,
  ],
  // password: value (YAML or prose)
  [
    new RegExp(`(\\b(?:password|pwd|passwd|secret|client_secret|clientsecret|api_key|apikey)\\s*:\\s*)[^\\s,;"']+`, 'gi'),
    `$1${REDACTED}`,
  ],
  // user:password@ in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]+@/gi, `$1:${REDACTED}@`],
];

/** Field names whose string, object and array values are replaced entirely. */
const SECRET_FIELD =
  /pass(word|wd)?$|^pwd$|secret|token|api[-_]?key|account[-_]?key|access[-_]?key|shared[-_]?access|authori[sz]ation|credential|cookie|^sig$|signature/i;

/**
 * Whether a field's value is replaced whole: a string, object or array under a secret-named field (numbers,
 * booleans and errors, which are rendered redacted, stay: `tokenCount: 5`). An object goes whole because its own
 * fields may have innocent names (`credential: { _key }`).
 */
function isSecretValue(key: string, value: unknown): boolean {
  const replaceable = typeof value === 'string' || (typeof value === 'object' && value !== null && !(value instanceof Error));
  return replaceable && SECRET_FIELD.test(key);
}

/** `text` with every recognised secret replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 8;

/**
 * A JSON-safe, redacted copy of `value`: strings redacted, values of secret-named fields replaced, errors
 * rendered as `{ kind, message, stack }`, cycles and depth beyond 8 cut, bigints as strings, functions dropped.
 */
export function sanitize(value: unknown): unknown {
  return walk(value, 0, new WeakSet<object>());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactSecrets(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.toString();
    case 'undefined':
    case 'function':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? String(obj) : obj.toISOString();
  if (obj instanceof Error) return renderError(obj);
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((x) => walk(x, depth + 1, seen) ?? null);
    const entries: Iterable<[unknown, unknown]> =
      obj instanceof Map ? obj.entries() : obj instanceof Set ? [...obj].map((x, i) => [i, x]) : Object.entries(obj);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const key = String(k);
      const clean = isSecretValue(key, v) ? REDACTED : walk(v, depth + 1, seen);
      if (clean !== undefined) out[key] = clean;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Datadog's error attributes, redacted. */
export interface RenderedError {
  readonly kind: string;
  readonly message: string;
  readonly stack?: string;
}

const MAX_CAUSES = 5;

/**
 * Renders `error` as Datadog's `error.kind`, `error.message` and `error.stack`. The stack also lists the
 * `cause` chain (up to 5 deep, `Caused by: …`) and the members of an `AggregateError`.
 */
export function renderError(error: unknown): RenderedError {
  if (!(error instanceof Error)) {
    return { kind: error === null ? 'null' : typeof error, message: redactSecrets(describe(error)) };
  }
  const parts: string[] = [stackOf(error)];
  if (error instanceof AggregateError) {
    error.errors.slice(0, MAX_CAUSES).forEach((e, i) => parts.push(`[${i}] ${indent(stackOf(e))}`));
  }
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
    parts.push(`Caused by: ${stackOf(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return {
    kind: error.name || error.constructor.name,
    message: redactSecrets(error.message),
    stack: redactSecrets(parts.join('\n')),
  };
}

function stackOf(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return describe(e);
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
