/**
 * The format registry: formats by name and by file extension, with the built-ins `ndjson`, `arrow-ipc-stream`,
 * `arrow-ipc-file` and `parquet` in the default registry `formats`.
 */
import { arrowIpcFileFormat, arrowIpcStreamFormat } from './arrow-ipc';
import type { Format } from './format';
import { ndjson } from './ndjson';
import { parquet } from './parquet';

/** A format name or extension nobody registered. */
export class UnknownFormatError extends Error {
  override readonly name = 'UnknownFormatError';
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

function validate(format: Format): void {
  const fail = (what: string): never => {
    throw new TypeError(`FormatRegistry.register: ${what}, got ${JSON.stringify((format as { name?: unknown })?.name)}`);
  };
  if (format === null || typeof format !== 'object') fail('a format must be an object');
  if (typeof format.name !== 'string' || !NAME.test(format.name)) fail('name must be lower-case letters, digits, ".", "_" or "-"');
  if (!Array.isArray(format.extensions) || format.extensions.length === 0 || !format.extensions.every((e) => typeof e === 'string' && NAME.test(e))) {
    fail(`format '${format.name}': extensions must be a non-empty list of lower-case extensions without the dot`);
  }
  if (typeof format.contentType !== 'string' || !format.contentType.includes('/')) fail(`format '${format.name}': contentType must be a MIME type`);
  const c = format.capabilities;
  if (c === null || typeof c !== 'object' || ![c.selfDescribing, c.streamingEncode, c.streamingDecode].every((x) => typeof x === 'boolean')) {
    fail(`format '${format.name}': capabilities must have boolean selfDescribing, streamingEncode and streamingDecode`);
  }
  if (typeof format.encode !== 'function' || typeof format.decode !== 'function') fail(`format '${format.name}': encode and decode must be functions`);
  if (format.encoder !== undefined && typeof format.encoder !== 'function') fail(`format '${format.name}': encoder must be a function`);
}

/**
 * Formats by name and extension. Register your own; pick one by name (`get`) or by a file's extension
 * (`forPath`).
 * @example
 * formats.register(myCsvFormat);
 * const f = formats.forPath('orders/part-1.csv'); // myCsvFormat
 */
export class FormatRegistry {
  private readonly byName = new Map<string, Format>();
  private readonly byExtension = new Map<string, Format>();

  constructor(initial: readonly Format[] = []) {
    for (const f of initial) this.register(f);
  }

  /**
   * Adds a format. Its name and extensions must be free, unless `replace` is set (the old format with that
   * name is removed first; extensions then point to the new one).
   */
  register(format: Format, options: { readonly replace?: boolean } = {}): this {
    validate(format);
    const old = this.byName.get(format.name);
    if (old && !options.replace) throw new TypeError(`FormatRegistry.register: a format named '${format.name}' is registered already (pass { replace: true })`);
    for (const ext of format.extensions) {
      const owner = this.byExtension.get(ext);
      if (owner && owner !== old && !options.replace) {
        throw new TypeError(`FormatRegistry.register: extension '.${ext}' of '${format.name}' belongs to format '${owner.name}' (pass { replace: true })`);
      }
    }
    if (old) for (const [ext, f] of this.byExtension) if (f === old) this.byExtension.delete(ext);
    this.byName.set(format.name, format);
    for (const ext of format.extensions) this.byExtension.set(ext, format);
    return this;
  }

  /** Whether a format of that name is registered. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The format named `name`; throws `UnknownFormatError` listing the registered ones. */
  get(name: string): Format {
    const f = this.byName.get(name);
    if (!f) throw new UnknownFormatError(`no format named '${name}'; registered: ${this.names().join(', ')}`);
    return f;
  }

  /** The format of a file name or path by its extension (`part-1.parquet` → parquet). */
  forPath(path: string): Format {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const dot = name.lastIndexOf('.');
    const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
    const f = this.byExtension.get(ext);
    if (!f) {
      throw new UnknownFormatError(
        `no format for '${path}' (extension '${ext}'); known extensions: ${[...this.byExtension.keys()].map((e) => `.${e}`).join(', ')}`,
      );
    }
    return f;
  }

  /** A format given by name, or the format itself. */
  resolve(format: string | Format): Format {
    return typeof format === 'string' ? this.get(format) : (validate(format), format);
  }

  /** The registered names. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** The built-in formats. */
export const builtInFormats: readonly Format[] = [ndjson, arrowIpcStreamFormat, arrowIpcFileFormat, parquet];

/**
 * The default registry, holding the built-ins; `register` your own formats here to use them by name in sinks.
 * @example formats.get('parquet').encode(batches)
 */
export const formats = new FormatRegistry(builtInFormats);
