import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SQLSERVER_CDC_STREAM, sqlServerCdcStreamCrd } from '../../examples/sqlserver-cdc-to-servicebus/crd';
import { SqlServerCdcStreamResourceSpec, SqlServerCdcStreamSpec } from '../../examples/sqlserver-cdc-to-servicebus/spec';
import { repoRoot } from '../../scripts/generate-crd';
import { crdValidator } from './support/openapi-ajv';

const chart = join(repoRoot(__dirname), 'deploy/helm/sqlserver-cdc-stream');
const sample = parseYaml(readFileSync(join(chart, 'examples/sqlserver-cdc-stream.yaml'), 'utf8')) as {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
};
const openAPIV3Schema = (sqlServerCdcStreamCrd() as { spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> } })
  .spec.versions[0]!.schema.openAPIV3Schema;
const validate = crdValidator(openAPIV3Schema);

/** The sample with `change` applied to a copy of its spec. */
function variant(change: (spec: Record<string, any>) => void): unknown {
  const copy = structuredClone(sample);
  change(copy.spec);
  return copy;
}

/** What the operator passes the job: the resource's spec without the secret-ref fields (StreamClass.secretRefs). */
function specForJob(spec: Record<string, unknown>): Record<string, unknown> {
  const { connectionSecretRef: _secretRef, ...rest } = spec;
  return rest;
}

describe('a SqlServerCdcStream resource', () => {
  it('the sample is of this CRD and validates against its openAPIV3Schema', () => {
    expect(sample.apiVersion).toBe(`${SQLSERVER_CDC_STREAM.group}/${SQLSERVER_CDC_STREAM.version}`);
    expect(sample.kind).toBe(SQLSERVER_CDC_STREAM.kind);
    expect(validate(sample)).toEqual([]);
  });

  it('the job accepts what the cluster accepts: the sample parses with the program\'s zod spec', () => {
    const resource = SqlServerCdcStreamResourceSpec.safeParse(sample.spec);
    expect(resource.error?.issues).toBeUndefined();
    const job = SqlServerCdcStreamSpec.parse(specForJob(sample.spec));
    expect(job).toMatchObject({ database: 'shop', startFrom: 'initial', serviceBus: { entity: '{schema}.{table}-changes', sessionKey: { mode: 'primaryKey' } } });
    expect(job).not.toHaveProperty('connectionSecretRef');
    expect(job).not.toHaveProperty('jobTemplateRef'); // the operator leaves the template refs in; the job ignores them
  });

  it('the apiserver\'s defaults are the program\'s defaults', () => {
    const minimal = { apiVersion: sample.apiVersion, kind: sample.kind, metadata: { name: 'm' }, spec: { database: 'shop', tables: ['dbo.orders'], connectionSecretRef: { name: 's' } } };
    const defaulted = structuredClone(minimal);
    expect(crdValidator(openAPIV3Schema, { useDefaults: true })(defaulted)).toEqual([]);
    expect(defaulted.spec).toEqual(SqlServerCdcStreamResourceSpec.parse(minimal.spec));
    expect(specForJob(defaulted.spec)).toEqual(expect.objectContaining(SqlServerCdcStreamSpec.parse(specForJob(minimal.spec))));
    expect(defaulted.spec).toMatchObject({
      startFrom: 'initial',
      polling: { pollIntervalMs: 500, maxPollIntervalMs: 5_000, maxTransactionsPerIteration: 500, pageSize: 1_000 },
      checkpoint: { container: 'stream-state', blobPrefix: 'checkpoints/', leaseDurationSeconds: 60 },
      jobTemplateRef: { name: 'sqlserver-cdc-stream', kind: 'StreamingJobTemplate', apiGroup: 'streaming.sneaksanddata.com' },
      backfillJobTemplateRef: { name: 'sqlserver-cdc-backfill' },
    });
  });

  it.each([
    ['no database', (s: Record<string, any>) => delete s.database, "/spec must have required property 'database'"],
    ['no secret reference', (s: Record<string, any>) => delete s.connectionSecretRef, "/spec must have required property 'connectionSecretRef'"],
    ['a poll interval below 10 ms', (s: Record<string, any>) => (s.polling.pollIntervalMs = 5), '/spec/polling/pollIntervalMs must be >= 10'],
    ['a fractional page size', (s: Record<string, any>) => (s.polling.pageSize = 10.5), '/spec/polling/pageSize must be integer'],
    ['an unknown startFrom', (s: Record<string, any>) => (s.startFrom = 'beginning'), '/spec/startFrom must be equal to one of the allowed values'],
    ['a lease over 60 s', (s: Record<string, any>) => (s.checkpoint.leaseDurationSeconds = 90), '/spec/checkpoint/leaseDurationSeconds must be <= 60'],
    ['an unknown placeholder in the entity', (s: Record<string, any>) => (s.serviceBus.entity = '{tabel}-changes'), '/spec/serviceBus/entity must match pattern'],
    ['an upper-case container', (s: Record<string, any>) => (s.checkpoint.container = 'State'), '/spec/checkpoint/container must match pattern'],
    ['a misspelt field', (s: Record<string, any>) => (s.polling.pollIntervalMS = 100), '/spec/polling must NOT have additional properties (pollIntervalMS)'],
    ['an inline connection string', (s: Record<string, any>) => (s.connectionString = 'Server=db;Password=x'), '/spec must NOT have additional properties (connectionString)'],
    ['a session key mode that does not exist', (s: Record<string, any>) => (s.serviceBus.sessionKey.mode = 'hash'), '/spec/serviceBus/sessionKey/mode must be equal to one of the allowed values'],
  ])('is rejected with %s', (_name, change, message) => {
    const errors = validate(variant(change));
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it.each([
    ['tables that are neither a list nor include/exclude', (s: Record<string, any>) => (s.tables = 'dbo.orders'), 'tables'],
    ['a table name of three parts', (s: Record<string, any>) => (s.tables = ['shop.dbo.orders']), 'tables.0'],
    ['a column session key without a column', (s: Record<string, any>) => (s.serviceBus.sessionKey = { mode: 'column' }), 'serviceBus.sessionKey.column'],
    ['a max poll interval below the poll interval', (s: Record<string, any>) => (s.polling = { pollIntervalMs: 2000, maxPollIntervalMs: 1000 }), 'polling.maxPollIntervalMs'],
    ['a duplicate window shorter than a takeover', (s: Record<string, any>) => (s.serviceBus.duplicateDetection.windowMs = 30_000), 'serviceBus.duplicateDetection.windowMs'],
  ])('%s: left to the job (tables) or CEL rules by the cluster, rejected by the job at start-up', (_name, change, field) => {
    const spec = (variant(change) as { spec: Record<string, unknown> }).spec;
    const result = SqlServerCdcStreamSpec.safeParse(specForJob(spec));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('tables may also be a plain list, in the cluster and in the job', () => {
    const listed = variant((s) => (s.tables = ['dbo.orders', 'dbo.customers']));
    expect(validate(listed)).toEqual([]);
    expect(SqlServerCdcStreamSpec.parse(specForJob((listed as typeof sample).spec)).tables).toEqual(['dbo.orders', 'dbo.customers']);
  });

  it('the resources shown in the README and docs/deploy.md validate too', () => {
    const root = repoRoot(__dirname);
    let checked = 0;
    for (const doc of ['README.md', 'docs/deploy.md']) {
      const blocks = [...readFileSync(join(root, doc), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1]!) as { kind?: string });
      for (const resource of blocks.filter((b) => b?.kind === SQLSERVER_CDC_STREAM.kind)) {
        expect({ doc, errors: validate(resource) }).toEqual({ doc, errors: [] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(1);
  });

  it('the status the operator writes validates; another phase does not', () => {
    const running = { ...sample, status: { phase: 'RUNNING', conditions: [{ type: 'READY', status: 'True' }] } };
    expect(validate(running)).toEqual([]);
    const wrong = { ...sample, status: { phase: 'Running', conditions: [{ type: 'READY', status: true }] } };
    expect(validate(wrong)).toEqual(
      expect.arrayContaining(['/status/phase must be equal to one of the allowed values', '/status/conditions/0/status must be string']),
    );
  });
});
