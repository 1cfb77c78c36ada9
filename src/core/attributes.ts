import type { Decider } from './supervision';

/** Log levels `log()` and stage diagnostics use. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

/**
 * Settings attached to a blueprint. Attributes set closer to a stage win over those set on an enclosing
 * blueprint, so a whole Flow can carry a default (e.g. a supervision decider) that single stages override.
 */
export interface AttributeValues {
  /** A name for the stage or blueprint; names form the graph path shown in errors and metrics. */
  readonly name?: string;
  /** The supervision decider for operators that support it. */
  readonly supervision?: Decider;
  /** Buffer size at async boundaries (`async()`); default 16. */
  readonly inputBufferSize?: number;
  /** Log levels for `log()`: element, completion and failure. */
  readonly logLevels?: { readonly onElement?: LogLevel; readonly onFinish?: LogLevel; readonly onFailure?: LogLevel };
}

/** Immutable attribute sets and their constructors. */
export class Attributes {
  private constructor(readonly values: AttributeValues) {}

  static readonly none = new Attributes({});

  /** Names a stage or blueprint. */
  static name(name: string): Attributes {
    return new Attributes({ name });
  }
  /** Sets the supervision decider. */
  static supervision(decider: Decider): Attributes {
    return new Attributes({ supervision: decider });
  }
  /** Sets the buffer size of async boundaries. */
  static inputBuffer(size: number): Attributes {
    return new Attributes({ inputBufferSize: size });
  }
  /** Sets the log levels of `log()`. */
  static logLevels(levels: NonNullable<AttributeValues['logLevels']>): Attributes {
    return new Attributes({ logLevels: levels });
  }
  static of(values: AttributeValues): Attributes {
    return new Attributes(values);
  }

  /** These attributes with `other` taking precedence. */
  and(other: Attributes | AttributeValues): Attributes {
    const values = other instanceof Attributes ? other.values : other;
    return new Attributes({ ...this.values, ...stripUndefined(values) });
  }
}

function stripUndefined(values: AttributeValues): AttributeValues {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
  return out as AttributeValues;
}
