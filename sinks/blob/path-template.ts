/**
 * File path templates: `{streamId}/{table}/{yyyy}/{MM}/{dd}/part-{uuid}.{ext}` and the like.
 */

/** The variables a path template may use. */
export interface PathVariables {
  readonly streamId: string;
  /** The source table (`schema.table`), or `default` when the batches carry none. */
  readonly table: string;
  /** The schema fingerprint. */
  readonly schema: string;
  /** When the file was opened (UTC, from the stream's scheduler). */
  readonly time: number;
  /** A random UUID per file. */
  readonly uuid: string;
  /** The format's file extension, without the dot. */
  readonly ext: string;
  /** The file's sequence number in this run (1-based), 5 digits. */
  readonly seq: number;
}

const NAMES = ['streamId', 'table', 'schema', 'yyyy', 'MM', 'dd', 'HH', 'mm', 'uuid', 'ext', 'seq'] as const;
type Name = (typeof NAMES)[number];

/** Makes a value safe as a path segment: characters other than letters, digits, `.`, `_`, `-` become `_`. */
export function safeSegment(value: string): string {
  const s = value.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? '_' : s;
}

/** A compiled template: `render(variables)` gives the path. */
export class PathTemplate {
  private readonly parts: readonly (string | Name)[];

  /**
   * @param template e.g. `{streamId}/{table}/{yyyy}/{MM}/{dd}/part-{uuid}.{ext}`
   * @param required variables the template must contain (e.g. `uuid` so that file names never collide)
   */
  constructor(
    readonly template: string,
    op: string,
    field: string,
    required: readonly Name[] = [],
  ) {
    if (typeof template !== 'string' || template === '') throw new TypeError(`${op}: ${field} must be a non-empty string`);
    const parts: (string | Name)[] = [];
    const re = /\{([^{}]*)\}/g;
    let last = 0;
    for (let m = re.exec(template); m; m = re.exec(template)) {
      if (!(NAMES as readonly string[]).includes(m[1]!)) {
        throw new TypeError(`${op}: ${field} has an unknown variable {${m[1]}}; known: ${NAMES.map((n) => `{${n}}`).join(', ')}`);
      }
      parts.push(template.slice(last, m.index), m[1] as Name);
      last = m.index + m[0].length;
    }
    parts.push(template.slice(last));
    if (/[{}]/.test(parts.filter((_, i) => i % 2 === 0).join(''))) throw new TypeError(`${op}: ${field} has an unbalanced brace: ${template}`);
    for (const r of required) {
      if (!parts.includes(r)) throw new TypeError(`${op}: ${field} must contain {${r}}, got ${template}`);
    }
    if (template.startsWith('/') || template.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new TypeError(`${op}: ${field} must be a relative path without empty, '.' or '..' segments, got ${template}`);
    }
    this.parts = parts;
  }

  render(v: Partial<PathVariables>): string {
    const d = new Date(v.time ?? 0);
    const two = (n: number): string => String(n).padStart(2, '0');
    const value = (name: Name): string => {
      switch (name) {
        case 'yyyy': return String(d.getUTCFullYear()).padStart(4, '0');
        case 'MM': return two(d.getUTCMonth() + 1);
        case 'dd': return two(d.getUTCDate());
        case 'HH': return two(d.getUTCHours());
        case 'mm': return two(d.getUTCMinutes());
        case 'seq': return String(v.seq ?? 0).padStart(5, '0');
        default: return safeSegment(String(v[name] ?? ''));
      }
    };
    return this.parts.map((p, i) => (i % 2 === 0 ? p : value(p as Name))).join('');
  }
}
