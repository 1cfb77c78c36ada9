/**
 * The `SqlServerCdcStream` custom resource definition: its identity (group, kind, names) and the CRD generated
 * from `SqlServerCdcStreamResourceSpec`. `npm run generate:crd` writes it to
 * `deploy/helm/sqlserver-cdc-stream/crds/`; a test fails when the committed file differs.
 *
 * @example
 * kubectl get sqlservercdcstreams        # or: kubectl get sqlcdc / kubectl get streams
 */
import { streamCustomResourceDefinition } from 'tributary/hosting';
import { SqlServerCdcStreamResourceSpec } from './spec';

/** Who the resource is: a domain owned for examples (`example.com`), so it cannot clash with a real API. */
export const SQLSERVER_CDC_STREAM = {
  group: 'streaming.tributary.example.com',
  version: 'v1beta1',
  kind: 'SqlServerCdcStream',
  plural: 'sqlservercdcstreams',
  shortNames: ['sqlcdc'],
} as const;

/** The CRD's `metadata.name` (`<plural>.<group>`). */
export const SQLSERVER_CDC_STREAM_CRD_NAME = `${SQLSERVER_CDC_STREAM.plural}.${SQLSERVER_CDC_STREAM.group}`;

/**
 * The CRD as a plain object (`apiextensions.k8s.io/v1`, namespaced, status subresource, printer columns
 * Database, Phase and Age).
 *
 * @example
 * YAML.stringify(sqlServerCdcStreamCrd());
 */
export function sqlServerCdcStreamCrd(): Record<string, unknown> {
  return streamCustomResourceDefinition({
    ...SQLSERVER_CDC_STREAM,
    spec: SqlServerCdcStreamResourceSpec,
    description:
      'A stream of SQL Server change data capture (CDC) changes to Azure Service Bus, run as a Kubernetes Job by the ' +
      'streaming operator. The operator writes status.',
    printerColumns: [{ name: 'Database', type: 'string', jsonPath: '.spec.database' }],
  });
}
