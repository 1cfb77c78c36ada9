/**
 * A small typed service registry: named singletons and factories, created on first use, disposed in reverse
 * order of creation when the host shuts down. No decorators, no reflection.
 */

/** Reads services by name. */
export interface ServiceProvider<S> {
  /** The service registered as `name` (a singleton is created on first `get`, a factory on every `get`). */
  get<K extends keyof S & string>(name: K): S[K];
  /** Whether a service named `name` is registered. */
  has(name: string): boolean;
}

/**
 * How a service is released; default: the first of `[Symbol.asyncDispose]()`, `[Symbol.dispose]()`, `dispose()`,
 * `close()` or `end()` it has (awaited).
 */
export interface ServiceOptions<T> {
  readonly dispose?: (service: Awaited<T>) => unknown;
}

/** Creates a service; may read other services. */
export type ServiceFactory<S, T> = (services: ServiceProvider<S>) => T;

interface Registration {
  readonly create: ServiceFactory<any, unknown>;
  readonly dispose: ((service: any) => unknown) | undefined;
  readonly singleton: boolean;
  instance?: { readonly value: unknown };
}

interface Created {
  readonly name: string;
  readonly value: unknown;
  readonly dispose: ((service: any) => unknown) | undefined;
}

/** Thrown for an unknown service name or a dependency cycle. */
export class ServiceResolutionError extends Error {
  override readonly name = 'ServiceResolutionError';
}

/**
 * The registry. `singleton` and `factory` return the collection with the new service in its type, so chained
 * registrations stay typed; registering a name again replaces the earlier registration (e.g. a built-in).
 *
 * @example
 * services
 *   .singleton('pool', () => createPool(ctx.secret('SQL_CONNECTION')), { dispose: (p) => p.end() })
 *   .factory('reader', (s) => new Reader(s.get('pool')));
 */
export class ServiceCollection<S> implements ServiceProvider<S> {
  private readonly registrations = new Map<string, Registration>();
  private readonly created: Created[] = [];
  private readonly resolving: string[] = [];
  private disposed = false;

  /** Registers `name` as one instance, created on first `get`. A Promise value is awaited before disposal. */
  singleton<K extends string, T>(name: K, create: ServiceFactory<S, T>, options?: ServiceOptions<T>): ServiceCollection<Omit<S, K> & { [P in K]: T }> {
    return this.register(name, create, options, true);
  }

  /** Registers an object created elsewhere; the registry never disposes it (its creator does). */
  instance<K extends string, T>(name: K, value: T): ServiceCollection<Omit<S, K> & { [P in K]: T }> {
    const collection = this.register(name, () => value, undefined, true);
    this.registrations.get(name)!.instance = { value };
    return collection;
  }

  /** Registers `name` as a factory: every `get` creates a new instance (each one is disposed at shutdown). */
  factory<K extends string, T>(name: K, create: ServiceFactory<S, T>, options?: ServiceOptions<T>): ServiceCollection<Omit<S, K> & { [P in K]: T }> {
    return this.register(name, create, options, false);
  }

  get<K extends keyof S & string>(name: K): S[K] {
    const registration = this.registrations.get(name);
    if (!registration) {
      const known = [...this.registrations.keys()].join(', ');
      throw new ServiceResolutionError(`service "${name}" is not registered (registered: ${known || 'none'})`);
    }
    if (registration.instance) return registration.instance.value as S[K];
    if (this.disposed) throw new ServiceResolutionError(`service "${name}" requested after the services were disposed`);
    if (this.resolving.includes(name)) {
      throw new ServiceResolutionError(`service dependency cycle: ${[...this.resolving, name].join(' → ')}`);
    }
    this.resolving.push(name);
    let value: unknown;
    try {
      value = registration.create(this as ServiceProvider<S>);
    } finally {
      this.resolving.pop();
    }
    if (registration.singleton) registration.instance = { value };
    this.created.push({ name, value, dispose: registration.dispose });
    return value as S[K];
  }

  has(name: string): boolean {
    return this.registrations.has(name);
  }

  /**
   * Disposes every service created so far, the last created first. A failing disposal is passed to `onError` and
   * the others still run. Later calls do nothing.
   */
  async dispose(onError: (name: string, error: unknown) => void): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (let i = this.created.length - 1; i >= 0; i--) {
      const { name, value, dispose } = this.created[i]!;
      try {
        const service = await value;
        await (dispose ? dispose(service) : disposeByConvention(service));
      } catch (e) {
        onError(name, e);
      }
    }
    this.created.length = 0;
  }

  private register<K extends string, T>(name: K, create: ServiceFactory<S, T>, options: ServiceOptions<T> | undefined, singleton: boolean): any {
    if (typeof name !== 'string' || name === '') throw new TypeError(`services: name must be a non-empty string, got ${String(name)}`);
    if (typeof create !== 'function') throw new TypeError(`services: the factory of "${name}" must be a function, got ${typeof create}`);
    this.registrations.set(name, { create, dispose: options?.dispose, singleton });
    return this;
  }
}

const asyncDispose: symbol | undefined = (Symbol as { asyncDispose?: symbol }).asyncDispose;
const syncDispose: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

function disposeByConvention(service: unknown): unknown {
  if (typeof service !== 'object' || service === null) return undefined;
  const s = service as Record<PropertyKey, unknown>;
  for (const key of [asyncDispose, syncDispose, 'dispose', 'close', 'end']) {
    if (key !== undefined && typeof s[key] === 'function') return (s[key] as () => unknown).call(service);
  }
  return undefined;
}
