/**
 * How Tributary's Service Bus sink and source reach a namespace: a connection string or a namespace with a
 * credential, turned into a `ServiceBusClient` whose SDK retry policy is exponential from about one second
 * (the SDK's default is a fixed 30 s delay, sqlserver-cdc.md §6.4).
 */
import {
  RetryMode,
  ServiceBusClient,
  parseServiceBusConnectionString,
  type RetryOptions,
  type ServiceBusClientOptions,
} from '@azure/service-bus';

/** A credential the SDK accepts: a `TokenCredential` (`DefaultAzureCredential`…), a named key or a SAS credential. */
export type ServiceBusCredential = ConstructorParameters<typeof ServiceBusClient>[1] & object;

/**
 * A Service Bus namespace: a connection string (`Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…`, or the
 * emulator's with `UseDevelopmentEmulator=true`), or a fully qualified namespace with a credential (production:
 * workload or managed identity).
 *
 * @example
 * const viaSecret: ServiceBusConnection = ctx.secret('SERVICEBUS_CONNECTION');
 * const viaIdentity: ServiceBusConnection = { fullyQualifiedNamespace: 'acme.servicebus.windows.net', credential: new DefaultAzureCredential() };
 */
export type ServiceBusConnection =
  | string
  | { readonly fullyQualifiedNamespace: string; readonly credential: ServiceBusCredential };

/**
 * The SDK retry policy Tributary uses unless overridden: exponential from 1 s up to 30 s, 3 attempts, 60 s per
 * operation. (Outer retries with backoff — for throttling and refused connections, which the SDK does not retry —
 * are the sink's and the source's own.)
 */
export const defaultServiceBusRetryOptions: Readonly<RetryOptions> = Object.freeze({
  mode: RetryMode.Exponential,
  retryDelayInMs: 1_000,
  maxRetryDelayInMs: 30_000,
  maxRetries: 3,
  timeoutInMs: 60_000,
});

/** The namespace host of `connection`, for messages and tags (never the key). */
export function namespaceOf(connection: ServiceBusConnection): string {
  if (typeof connection === 'string') {
    try {
      return parseServiceBusConnectionString(connection).fullyQualifiedNamespace;
    } catch {
      return '<invalid connection string>';
    }
  }
  return connection.fullyQualifiedNamespace;
}

/**
 * Checks `connection` without ever printing a connection string (it holds a key); returns it unchanged.
 * @example requireConnection('ServiceBusSink', options.connection)
 */
export function requireConnection(op: string, connection: unknown): ServiceBusConnection {
  const expected = 'a Service Bus connection string (Endpoint=sb://<namespace>/;SharedAccessKeyName=…;SharedAccessKey=…) or { fullyQualifiedNamespace, credential }';
  if (typeof connection === 'string') {
    let endpoint: string | undefined;
    try {
      endpoint = parseServiceBusConnectionString(connection).endpoint;
    } catch {
      endpoint = undefined;
    }
    if (!endpoint) throw new TypeError(`${op}: connection must be ${expected}; the string given has no valid Endpoint (value not shown: it may hold a key)`);
    return connection;
  }
  if (typeof connection === 'object' && connection !== null) {
    const { fullyQualifiedNamespace, credential } = connection as { fullyQualifiedNamespace?: unknown; credential?: unknown };
    if (typeof fullyQualifiedNamespace !== 'string' || !/^[\w.-]+(:\d+)?$/.test(fullyQualifiedNamespace)) {
      throw new TypeError(`${op}: connection.fullyQualifiedNamespace must be a host name such as acme.servicebus.windows.net, got ${JSON.stringify(fullyQualifiedNamespace) ?? String(fullyQualifiedNamespace)}`);
    }
    if (typeof credential !== 'object' || credential === null) {
      throw new TypeError(`${op}: connection.credential must be a TokenCredential (e.g. DefaultAzureCredential), a named key or a SAS credential, got ${credential === null ? 'null' : typeof credential}`);
    }
    return connection as ServiceBusConnection;
  }
  throw new TypeError(`${op}: connection must be ${expected}, got ${connection === null ? 'null' : typeof connection}`);
}

/**
 * A new `ServiceBusClient` for `connection` with Tributary's retry defaults, overridden field by field by
 * `options.retryOptions`. No network traffic until a sender or receiver is used.
 * @example const client = createServiceBusClient(process.env.SERVICEBUS_CONNECTION!, { retryOptions: { maxRetries: 5 } });
 */
export function createServiceBusClient(connection: ServiceBusConnection, options: ServiceBusClientOptions = {}): ServiceBusClient {
  const resolved: ServiceBusClientOptions = {
    ...options,
    retryOptions: { ...defaultServiceBusRetryOptions, ...options.retryOptions },
    userAgentOptions: { userAgentPrefix: 'tributary', ...options.userAgentOptions },
  };
  return typeof connection === 'string'
    ? new ServiceBusClient(connection, resolved)
    : new ServiceBusClient(connection.fullyQualifiedNamespace, connection.credential, resolved);
}
