/**
 * The stream context: what the operator passes a stream job (contract §1.1, §1.5, §5.2), read once and validated.
 *
 * | input | meaning |
 * |---|---|
 * | `STREAMCONTEXT__SPEC` / `--spec <file.json>` | the stream's spec (JSON), validated by the program's zod schema |
 * | `STREAMCONTEXT_SPEC_OVERRIDE` | a JSON merge patch (RFC 7396) applied over the spec before validation |
 * | `STREAMCONTEXT__BACKFILL` / `--backfill` | `true` or `false` (required) |
 * | `STREAMCONTEXT__STREAM_ID`, `STREAMCONTEXT__STREAM_KIND`, `STREAMCONTEXT__BACKFILL_ID` | identity (optional) |
 *
 * Flags win over variables. The program's defaults fill in only in a local run (no `STREAMCONTEXT__` variable set
 * at all), so a Job that lost a variable fails instead of silently running on demo values.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigurationError } from './errors';
import { REDACTED, redactSecrets, sanitize } from './logging/redact';
import { nonEmpty } from './logging/stream-identity';
import { applyMergePatch } from './merge-patch';

/** The validated, typed context a program's services and graph builder receive. */
export interface StreamContext<Spec = unknown> {
  /** The spec, parsed and validated by the program's schema (its defaults applied). */
  readonly spec: Spec;
  /** The stream id (the Kubernetes Job's name); default: the program's default, else the host name. */
  readonly streamId: string;
  /** The stream kind (the stream definition's `kind`); default: the program's default, else the host name. */
  readonly streamKind: string;
  /** Whether this run is a backfill (a full reload that must run to the end). */
  readonly isBackfilling: boolean;
  /** The backfill id (resumes an interrupted backfill), when the operator sets one. */
  readonly backfillId: string | undefined;
  /**
   * A secret from the environment (mounted by the operator from the stream's secret refs). Throws a
   * `ConfigurationError` naming the variable when it is missing or empty.
   */
  secret(name: string): string;
}

/** Values a local run uses when no `STREAMCONTEXT__` variable is set, so examples run with no environment. */
export interface StreamContextDefaults<SpecInput = unknown> {
  readonly spec?: SpecInput;
  readonly streamId?: string;
  readonly streamKind?: string;
  readonly backfill?: boolean;
  readonly backfillId?: string;
}

/** How the context is read. */
export interface StreamContextSource<Spec> {
  /** Validates the spec; without one, the spec is optional and stays unvalidated JSON. */
  readonly schema?: z.ZodType<Spec>;
  readonly defaults?: StreamContextDefaults;
  /** Used as stream id and kind when neither is set. */
  readonly hostName: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly argv: readonly string[];
}

const PREFIX = 'STREAMCONTEXT__';
export const envNames = {
  spec: `${PREFIX}SPEC`,
  specOverride: 'STREAMCONTEXT_SPEC_OVERRIDE',
  backfill: `${PREFIX}BACKFILL`,
  backfillId: `${PREFIX}BACKFILL_ID`,
  streamId: `${PREFIX}STREAM_ID`,
  streamKind: `${PREFIX}STREAM_KIND`,
} as const;

/** The identity fields, read without validating anything (the logger needs them before the context is checked). */
export interface StreamIdentityFields {
  readonly streamId: string;
  readonly streamKind: string;
  readonly isBackfilling: boolean;
  readonly backfillId: string | undefined;
}

/** Stream id, kind, mode and backfill id as far as they can be read; never throws. */
export function peekStreamIdentity(source: StreamContextSource<unknown>): StreamIdentityFields {
  const { env, hostName } = source;
  const defaults = localDefaults(source);
  const flag = backfillFlag(source.argv);
  return {
    streamId: nonEmpty(env[envNames.streamId]) ?? defaults?.streamId ?? hostName,
    streamKind: nonEmpty(env[envNames.streamKind]) ?? defaults?.streamKind ?? hostName,
    isBackfilling: flag ?? (env[envNames.backfill]?.trim().toLowerCase() === 'true' || (defaults?.backfill ?? false)),
    backfillId: nonEmpty(env[envNames.backfillId]) ?? defaults?.backfillId,
  };
}

/** Reads and validates the context; throws a one-line `ConfigurationError` on the first bad input. */
export function readStreamContext<Spec>(source: StreamContextSource<Spec>): StreamContext<Spec> {
  const { env } = source;
  const identity = peekStreamIdentity(source);
  const isBackfilling = readBackfill(source);
  const spec = validateSpec(source, readSpec(source));
  const context: StreamContext<Spec> = {
    spec,
    streamId: identity.streamId,
    streamKind: identity.streamKind,
    isBackfilling,
    backfillId: identity.backfillId,
    secret: (name) => {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new ConfigurationError(`secret ${name} is missing: expected the environment variable ${name} (mounted from the stream's secret)`);
      }
      return value;
    },
  };
  return Object.freeze(context);
}

function localDefaults(source: StreamContextSource<unknown>): StreamContextDefaults | undefined {
  return Object.keys(source.env).some((name) => name.startsWith(PREFIX)) ? undefined : source.defaults;
}

function readBackfill(source: StreamContextSource<unknown>): boolean {
  const flag = backfillFlag(source.argv);
  if (flag !== undefined) return flag;
  const raw = source.env[envNames.backfill];
  if (raw === undefined) {
    const fallback = localDefaults(source)?.backfill;
    if (fallback !== undefined) return fallback;
    throw new ConfigurationError(
      `${envNames.backfill} is missing: expected "true" or "false" (or the --backfill flag for a local run)`,
    );
  }
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigurationError(`${envNames.backfill} = ${excerpt(raw)} is invalid: expected "true" or "false"`);
}

/** The spec JSON before validation (flag, variable or default, with the override applied), and where it came from. */
function readSpec(source: StreamContextSource<unknown>): { readonly value: unknown; readonly origin: string } {
  const file = flagValue(source.argv, '--spec');
  let origin: string;
  let value: unknown;
  if (file !== undefined) {
    origin = `--spec ${file}`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigurationError(`${origin}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)}): expected a readable JSON file`);
    }
    value = parseJson(origin, text);
  } else if (source.env[envNames.spec] !== undefined) {
    origin = envNames.spec;
    value = parseJson(origin, source.env[envNames.spec]!);
  } else {
    origin = 'the program defaults';
    value = localDefaults(source)?.spec;
    if (value === undefined && source.schema !== undefined) {
      throw new ConfigurationError(`${envNames.spec} is missing: expected the stream's spec as JSON (or --spec <file.json> for a local run)`);
    }
  }
  const patch = source.env[envNames.specOverride];
  if (patch !== undefined && patch.trim() !== '') {
    value = applyMergePatch(value, parseJson(envNames.specOverride, patch));
    origin += ` with ${envNames.specOverride}`;
  }
  return { value, origin };
}

function validateSpec<Spec>(source: StreamContextSource<Spec>, raw: { readonly value: unknown; readonly origin: string }): Spec {
  if (source.schema === undefined) return raw.value as Spec;
  const result = source.schema.safeParse(raw.value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? 'the spec' : `field "${formatPath(issue.path)}"`;
    const received = valueAt(raw.value, issue.path);
    const got = received === undefined ? 'is missing' : `= ${describeValue(issue.path, received)} is invalid`;
    return `${field} ${got}: ${issue.message}`;
  });
  throw new ConfigurationError(`invalid spec (${raw.origin}): ${problems.join('; ')}`);
}

function parseJson(origin: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${origin} is not valid JSON: received ${excerpt(text)}; expected a JSON object`);
  }
}

/** `--name value` or `--name=value`. */
function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === name) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigurationError(`${name} needs a value: expected ${name} <file.json>`);
      return next;
    }
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

/** `--backfill` (true), `--backfill=true|false`, or `undefined` when absent. */
function backfillFlag(argv: readonly string[]): boolean | undefined {
  for (const arg of argv) {
    if (arg === '--backfill' || arg === '--backfill=true') return true;
    if (arg === '--backfill=false') return false;
  }
  return undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** A short, redacted rendering of a spec value (secret-named fields and secret-looking text hidden). */
function describeValue(path: readonly PropertyKey[], value: unknown): string {
  const key = String(path[path.length - 1] ?? '');
  const clean = (sanitize({ [key]: value }) as Record<string, unknown>)[key];
  return clean === REDACTED ? REDACTED : truncate(JSON.stringify(clean) ?? String(clean));
}

/** `text` quoted as JSON, secrets redacted, at most 120 characters. */
function excerpt(text: string): string {
  return JSON.stringify(truncate(redactSecrets(text)));
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
