/** Logging settings read from the environment: level, custom properties and the variable prefix. */
import { ConfigurationError } from '../errors';
import { redactSecrets } from './redact';
import { nonEmpty, type Env } from './stream-identity';

/** The levels the host logger writes, most severe first. */
export type HostLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Winston levels (lower is more severe). */
export const LOG_LEVELS: Readonly<Record<HostLogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };

const LEVEL_NAMES: Readonly<Record<string, HostLogLevel>> = {
  error: 'error',
  fatal: 'error',
  critical: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  information: 'info',
  debug: 'debug',
  verbose: 'debug',
  trace: 'debug',
};

/**
 * The default prefix of the logging variables for an application name: upper case, every character other than
 * a letter, digit or `_` replaced by `_` (`orders-cdc` → `ORDERS_CDC`).
 */
export function defaultEnvPrefix(application: string): string {
  return application.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * The minimum level: `<PREFIX>__DEFAULT_LOG_LEVEL`, else `LOG_LEVEL`, else `fallback`. Accepts `DEBUG`, `INFO`,
 * `WARN`, `ERROR` (any case) and the synonyms `VERBOSE`/`TRACE`, `INFORMATION`, `WARNING`, `FATAL`/`CRITICAL`.
 */
export function readLogLevel(env: Env, prefix: string, fallback: HostLogLevel): HostLogLevel {
  for (const name of [`${prefix}__DEFAULT_LOG_LEVEL`, 'LOG_LEVEL']) {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) continue;
    const level = LEVEL_NAMES[raw.trim().toLowerCase()];
    if (level === undefined) {
      throw new ConfigurationError(`${name} must be one of DEBUG, INFO, WARN, ERROR; got '${redactSecrets(raw)}'`);
    }
    return level;
  }
  return fallback;
}

/**
 * Custom log properties from `<PREFIX>__LOGGING_PROPERTIES`: a JSON object of string (or number/boolean)
 * values, e.g. `{"team":"data","costCenter":"42"}`. Throws naming the variable when it is not such an object.
 */
export function readLoggingProperties(env: Env, prefix: string): Record<string, string | number | boolean> {
  const name = `${prefix}__LOGGING_PROPERTIES`;
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ConfigurationError(
      `${name} must be a JSON object of properties, e.g. {"team":"data"}; it is not valid JSON ` +
        `(${(e as Error).message}): ${redactSecrets(raw).slice(0, 200)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? 'an array' : String(parsed);
    throw new ConfigurationError(`${name} must be a JSON object of properties, e.g. {"team":"data"}; got ${got}`);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      const got = value === null ? 'null' : typeof value;
      throw new ConfigurationError(`${name}: property '${key}' must be a string, number or boolean, got ${got}`);
    }
    out[key] = value;
  }
  return out;
}
