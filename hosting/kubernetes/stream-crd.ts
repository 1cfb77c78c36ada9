/**
 * The CustomResourceDefinition of a stream kind, as the Arcane operator expects it from a stream plugin: namespaced,
 * `spec` generated from the program's zod schema, the mandated `status` schema, the status subresource, and
 * printer columns for the phase and the age.
 */
import type { z } from 'zod';
import { structuralSchemaFromZod, type OpenApiSchema } from './structural-schema';

/**
 * The `status` schema every stream definition must have (the operator writes `phase` and `conditions`), exactly
 * as the Arcane plugin contract states it.
 */
export const STREAM_STATUS_SCHEMA: OpenApiSchema = deepFreeze({
  type: 'object',
  properties: {
    phase: {
      type: 'string',
      enum: ['RESTARTING', 'RUNNING', 'RELOADING', 'TERMINATING', 'STOPPED', 'SUSPENDED', 'FAILED'],
    },
    conditions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'type'],
        properties: {
          message: { type: 'string' },
          type: { type: 'string', enum: ['WARNING', 'ERROR', 'INFO', 'READY'] },
          status: { type: 'string', enum: ['True', 'False'] },
        },
      },
    },
  },
});

/** An extra `additionalPrinterColumns` entry (`kubectl get` column). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** Options of `streamCustomResourceDefinition`. */
export interface StreamCrdOptions {
  /** API group, a domain the plugin owns, e.g. `streaming.example.com`. */
  readonly group: string;
  /** The kind, e.g. `SqlServerCdcStream`. */
  readonly kind: string;
  /** Lower-case plural, e.g. `sqlservercdcstreams` (the CRD is named `<plural>.<group>`). */
  readonly plural: string;
  /** Default: the kind in lower case. */
  readonly singular?: string;
  readonly shortNames?: readonly string[];
  /** `kubectl get <category>` lists every kind of the category; default `['streams']`. */
  readonly categories?: readonly string[];
  /** The served and stored version, e.g. `v1beta1`. */
  readonly version: string;
  /** The zod schema of the custom resource's `spec` (the program's spec plus the operator's refs). */
  readonly spec: z.ZodType;
  /** The resource's description (`kubectl explain <kind>`). */
  readonly description?: string;
  /** Columns shown by `kubectl get` before Phase and Age. */
  readonly printerColumns?: readonly PrinterColumn[];
}

/**
 * Builds the `apiextensions.k8s.io/v1` CRD of a stream kind as a plain object (serialize it with any YAML
 * library). The `spec` schema is `structuralSchemaFromZod(options.spec)` and is required; `status` is
 * `STREAM_STATUS_SCHEMA`, written by the operator through the status subresource.
 *
 * @example
 * const crd = streamCustomResourceDefinition({
 *   group: 'streaming.example.com', kind: 'OrdersStream', plural: 'ordersstreams', version: 'v1', spec: OrdersResourceSpec,
 * });
 * writeFileSync('crds/ordersstreams.yaml', YAML.stringify(crd));
 */
export function streamCustomResourceDefinition(options: StreamCrdOptions): Record<string, unknown> {
  const { group, kind, plural, version } = options;
  for (const [field, value, pattern] of [
    ['group', group, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/],
    ['plural', plural, /^[a-z]([-a-z0-9]*[a-z0-9])?$/],
    ['kind', kind, /^[A-Z][A-Za-z0-9]*$/],
    ['version', version, /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/],
  ] as const) {
    if (!pattern.test(value)) {
      throw new RangeError(`streamCustomResourceDefinition: ${field} must match ${String(pattern)}, got ${JSON.stringify(value)}`);
    }
  }
  const names: Record<string, unknown> = {
    kind,
    listKind: `${kind}List`,
    plural,
    singular: options.singular ?? kind.toLowerCase(),
    categories: [...(options.categories ?? ['streams'])],
  };
  if (options.shortNames !== undefined && options.shortNames.length > 0) names.shortNames = [...options.shortNames];
  const openAPIV3Schema: OpenApiSchema = {
    type: 'object',
    ...(options.description !== undefined ? { description: options.description } : {}),
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structuralSchemaFromZod(options.spec, { path: 'spec' }),
      status: structuredClone(STREAM_STATUS_SCHEMA),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names,
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...(options.printerColumns ?? []).map((c) => ({ ...c })),
            { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'What the operator last did with the stream' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
