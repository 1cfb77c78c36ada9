/**
 * The spec of the SQL Server CDC → Service Bus stream: one zod schema shared by the program (which validates
 * `STREAMCONTEXT__SPEC` with it), the `SqlServerCdcStream` CRD (its `spec` schema is generated from it by
 * `npm run generate:crd`) and the tests.
 *
 * The fields map onto the connectors' options: `tables`, `startFrom` and `polling` onto `SqlServerCdcSource.create`
 * (`tables` is its `TableSelection` as it is), `batching` onto `ServiceBusSink.create`, `serviceBus.entity` through
 * `entityName()` onto the sink's `entity` router, and `sessionKey` / `duplicateDetection` onto the entities
 * (`ensureServiceBusEntities`: `requiresSession`, `duplicateDetectionWindowMs`) and the messages.
 *
 * Secrets are never in the spec. The job reads three connection strings from its environment with
 * `ctx.secret(name)` (`SECRETS` below); on Kubernetes they come from the Secret named by the resource's
 * `connectionSecretRef`, which the operator mounts with `envFrom`.
 *
 * @example
 * // STREAMCONTEXT__SPEC
 * { "database": "shop", "tables": ["dbo.orders", "dbo.customers"] }
 * // everything else takes its default:
 * SqlServerCdcStreamSpec.parse({ database: 'shop', tables: ['dbo.orders'] }).polling.pollIntervalMs; // 500
 */
import { z } from 'zod';

/** The environment variables the job reads its connection strings from (`ctx.secret(SECRETS.sql)`). */
export const SECRETS = {
  /** SQL Server ADO.NET connection string, e.g. `Server=db,1433;User Id=cdc_reader;Password=…;Encrypt=true`. */
  sql: 'SQL_CONNECTION',
  /** Service Bus connection string, e.g. `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=…`. */
  serviceBus: 'SERVICEBUS_CONNECTION',
  /** Blob Storage connection string for checkpoints and the lease, e.g. `DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…`. */
  storage: 'STORAGE_CONNECTION',
} as const;

/** The placeholders an entity name template may use. */
export const ENTITY_PLACEHOLDERS = ['database', 'schema', 'table'] as const;
const placeholderNames = ENTITY_PLACEHOLDERS.join('|');

/**
 * A table as the CDC source takes it: `schema.table` or `table` (schema `dbo`), `[schema].[table]` for names with
 * spaces or dots, `*` matching any run of characters.
 */
const tablePattern = z
  .string()
  .max(261)
  .regex(/^(?:\[[^\]]+\]\.\[[^\]]+\]|\[[^\]]+\]|[^.\[\]\s]+(?:\.[^.\[\]\s]+)?)$/, {
    message: 'expected "schema.table" or "table" (schema dbo), "*" as a wildcard, "[schema].[table]" for names with spaces or dots',
  });

/** The tables to stream: a list of `schema.table` names or patterns, or include/exclude pattern lists. */
export const TableSelectionSpec = z
  .union([
    z.array(tablePattern).min(1),
    z.strictObject({
      include: z.array(tablePattern).min(1).describe('Tables to stream: names or patterns ("sales.*").'),
      exclude: z.array(tablePattern).default([]).describe('Tables to leave out, among those included.'),
    }),
  ], { error: 'expected a list of "schema.table" names or patterns, or { include: [...], exclude: [...] }' })
  .describe(
    'Tables to stream: "schema.table" (or "table" in dbo) names or patterns with * (case-insensitive). ' +
      'A name without * must have an enabled CDC capture instance.',
  );
export type TableSelectionSpec = z.output<typeof TableSelectionSpec>;

/** How often and how much the source reads from the change tables. */
export const PollingSpec = z
  .strictObject({
    pollIntervalMs: z.number().int().min(10).max(60_000).default(500).describe('Delay before the next poll after one that found changes.'),
    maxPollIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(300_000)
      .default(5_000)
      .describe('Idle polls double the delay up to this (the capture job itself runs every 5 s by default).'),
    maxTransactionsPerIteration: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(500)
      .describe('Transactions read per poll at most (bounds the time a poll takes); 0 reads up to the latest change.'),
    pageSize: z.number().int().min(1).max(100_000).default(1_000).describe('Change rows fetched per query (TOP n).'),
  })
  .refine((p) => p.maxPollIntervalMs >= p.pollIntervalMs, {
    message: 'maxPollIntervalMs must be at least pollIntervalMs',
    path: ['maxPollIntervalMs'],
  })
  .meta({
    'x-kubernetes-validations': [{ rule: 'self.maxPollIntervalMs >= self.pollIntervalMs', message: 'maxPollIntervalMs must be at least pollIntervalMs' }],
  });

/** How changes are grouped into Service Bus batches. */
export const BatchingSpec = z.strictObject({
  maxBatchDelayMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(50)
    .describe('How long a partly filled batch waits for more changes before it is sent (batches are also cut by size).'),
  maxInFlightBatches: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('Batches sent concurrently. 1 keeps every entity in source order; more trades order across batches for throughput.'),
});

/** What a message's session id is taken from (the entities must be session-enabled unless `none`). */
export const SessionKeySpec = z
  .strictObject({
    mode: z
      .enum(['none', 'primaryKey', 'column'])
      .default('none')
      .describe('none: no session id; primaryKey: the row\'s primary key values; column: the value of `column`.'),
    column: z.string().min(1).max(128).optional().describe('The column whose value is the session id (mode: column).'),
  })
  .refine((s) => s.mode !== 'column' || s.column !== undefined, { message: 'column is required when mode is "column"', path: ['column'] })
  .meta({ 'x-kubernetes-validations': [{ rule: "self.mode != 'column' || has(self.column)", message: 'column is required when mode is "column"' }] });

/** Service Bus duplicate detection, as the entities were created (it cannot be changed afterwards). */
export const DuplicateDetectionSpec = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe('The entities detect duplicates by MessageId, so a replay after a crash is dropped by Service Bus.'),
  windowMs: z
    .number()
    .int()
    .min(20_000)
    .max(604_800_000)
    .default(600_000)
    .describe('The entities\' duplicate detection window (Service Bus default 10 min); must cover a takeover.'),
});

/** Where changes go: the entity name, sessions and duplicate detection. */
export const ServiceBusSpec = z.strictObject({
  entity: z
    .string()
    .min(1)
    .max(260)
    .regex(new RegExp(`^(?:[A-Za-z0-9._/-]|\\{(?:${placeholderNames})\\})+$`), {
      message: 'expected a queue or topic name, optionally with {database}, {schema} and {table}, e.g. "{schema}.{table}-changes"',
    })
    .default('{schema}.{table}')
    .describe('Queue or topic each change is sent to: a fixed name, or a template with {database}, {schema} and {table}.'),
  sessionKey: SessionKeySpec.prefault({}),
  duplicateDetection: DuplicateDetectionSpec.prefault({}),
});

/** Where the job keeps its checkpoint, and the lease that makes one replica the owner. */
export const CheckpointSpec = z.strictObject({
  container: z
    .string()
    .min(3)
    .max(63)
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { message: 'expected a blob container name: lower-case letters, digits and hyphens' })
    .default('stream-state')
    .describe('Blob container of the checkpoints (created on first use when missing).'),
  blobPrefix: z.string().max(512).default('checkpoints/').describe('Prefix of the checkpoint blob names within the container.'),
  leaseDurationSeconds: z
    .number()
    .int()
    .min(15)
    .max(60)
    .default(60)
    .describe('Lease on the checkpoint blob: how long a crashed owner keeps a standby waiting (15-60 s).'),
});

/** The job's settings, without the operator's fields. */
const jobSpecShape = {
  database: z.string().min(1).max(128).describe('The database whose change tables are read (CDC enabled).'),
  tables: TableSelectionSpec,
  startFrom: z
    .enum(['initial', 'now', 'retained'])
    .default('initial')
    .describe(
      'Where a stream with no checkpoint starts: initial = snapshot the tables, then stream; ' +
        'now = only changes from now on; retained = replay what CDC still retains, no snapshot.',
    ),
  polling: PollingSpec.prefault({}),
  batching: BatchingSpec.prefault({}),
  serviceBus: ServiceBusSpec.prefault({}),
  checkpoint: CheckpointSpec.prefault({}),
};

/** A replay after a crash waits for the lease to expire; duplicate detection must still remember what was sent. */
const windowCoversTakeover = {
  check: (s: { serviceBus: { duplicateDetection: { enabled: boolean; windowMs: number } }; checkpoint: { leaseDurationSeconds: number } }) =>
    !s.serviceBus.duplicateDetection.enabled || s.serviceBus.duplicateDetection.windowMs > s.checkpoint.leaseDurationSeconds * 1000,
  message: 'serviceBus.duplicateDetection.windowMs must be longer than checkpoint.leaseDurationSeconds: a replica taking over resends what the last owner sent after its last checkpoint',
  rule:
    '!self.serviceBus.duplicateDetection.enabled || ' +
    'self.serviceBus.duplicateDetection.windowMs > self.checkpoint.leaseDurationSeconds * 1000',
};

function withTakeoverCheck<T extends z.ZodObject>(schema: T) {
  return schema
    .refine(windowCoversTakeover.check as (s: z.output<T>) => boolean, {
      message: windowCoversTakeover.message,
      path: ['serviceBus', 'duplicateDetection', 'windowMs'],
    })
    .meta({ 'x-kubernetes-validations': [{ rule: windowCoversTakeover.rule, message: windowCoversTakeover.message }] });
}

/**
 * The program's spec (`STREAMCONTEXT__SPEC`). Unknown top-level fields are ignored, because the operator passes
 * the resource's whole spec (its `jobTemplateRef`s included); nested objects are strict, so a typo there fails
 * at start-up naming the field.
 *
 * @example
 * createHost({ name: 'sqlserver-cdc-to-servicebus' }).addStreamContext(SqlServerCdcStreamSpec)…
 */
export const SqlServerCdcStreamSpec = withTakeoverCheck(z.object(jobSpecShape));
export type SqlServerCdcStreamSpec = z.output<typeof SqlServerCdcStreamSpec>;
export type SqlServerCdcStreamSpecInput = z.input<typeof SqlServerCdcStreamSpec>;

/** The operator's API group for `StreamingJobTemplate` and `StreamClass`. */
export const OPERATOR_API_GROUP = 'streaming.sneaksanddata.com';

/** The chart's job template names (values.yaml `jobTemplates.*.name`); the resource's defaults point at them. */
export const JOB_TEMPLATE_NAMES = { stream: 'sqlserver-cdc-stream', backfill: 'sqlserver-cdc-backfill' } as const;

const jobTemplateRef = (name: string, role: string) =>
  z
    .strictObject({
      name: z.string().min(1).max(253).describe('The StreamingJobTemplate\'s name.'),
      kind: z.literal('StreamingJobTemplate').default('StreamingJobTemplate'),
      apiGroup: z.literal(OPERATOR_API_GROUP).default(OPERATOR_API_GROUP),
    })
    .default({ name, kind: 'StreamingJobTemplate', apiGroup: OPERATOR_API_GROUP })
    .describe(`The job template the operator starts the stream from ${role}.`);

/**
 * The `spec` of a `SqlServerCdcStream` resource: the job's spec plus what the operator reads — the Secret with the
 * connection strings (mounted with `envFrom`, removed from `STREAMCONTEXT__SPEC`) and the job templates.
 */
export const SqlServerCdcStreamResourceSpec = withTakeoverCheck(
  z.object({
    ...jobSpecShape,
    connectionSecretRef: z
      .strictObject({ name: z.string().min(1).max(253).describe('The Secret\'s name, in the resource\'s namespace.') })
      .describe(
        `The Secret whose keys ${SECRETS.sql}, ${SECRETS.serviceBus} and ${SECRETS.storage} become the job's ` +
          'environment variables (the operator mounts it with envFrom; it never enters the spec the job sees).',
      ),
    jobTemplateRef: jobTemplateRef(JOB_TEMPLATE_NAMES.stream, 'in streaming mode'),
    backfillJobTemplateRef: jobTemplateRef(JOB_TEMPLATE_NAMES.backfill, 'in backfill mode (a new stream, a reload, a schema change)'),
  }),
);
export type SqlServerCdcStreamResourceSpec = z.output<typeof SqlServerCdcStreamResourceSpec>;

/** A Service Bus entity name: letters, digits, `.`, `-`, `_`, `/`, starting and ending with a letter or digit. */
const ENTITY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?$/;

/**
 * The queue or topic a table's changes go to: the spec's `serviceBus.entity` with `{database}`, `{schema}` and
 * `{table}` replaced. Throws when the result is not a valid entity name (e.g. a table name with a space), naming
 * the table and the template.
 *
 * @example
 * entityName('{schema}.{table}-changes', { database: 'shop', schema: 'dbo', table: 'orders' }); // 'dbo.orders-changes'
 * entityName('all-changes', { database: 'shop', schema: 'dbo', table: 'orders' });              // 'all-changes'
 */
export function entityName(template: string, table: { readonly database: string; readonly schema: string; readonly table: string }): string {
  const name = template.replace(new RegExp(`\\{(${placeholderNames})\\}`, 'g'), (_, key: (typeof ENTITY_PLACEHOLDERS)[number]) => table[key]);
  if (!ENTITY_NAME.test(name)) {
    throw new RangeError(
      `serviceBus.entity "${template}" gives "${name}" for ${table.database}.${table.schema}.${table.table}, which is not a valid ` +
        'Service Bus entity name: expected letters, digits, ".", "-", "_" or "/", starting and ending with a letter or digit, at most 260 characters',
    );
  }
  return name;
}
