/**
 * Validates custom resources against a CRD's `openAPIV3Schema` with ajv, the way the apiserver does as far as
 * JSON Schema goes: OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` and `nullable`, the
 * `x-kubernetes-*` extensions as annotations (CEL rules are not evaluated: the zod spec's refinements carry the
 * same checks, tested separately), and — like `kubectl apply`'s strict field validation — unknown fields
 * rejected (the apiserver itself would prune them).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = { [keyword: string]: unknown };

export interface CrdValidatorOptions {
  /** Fill in `default`s, as the apiserver does before validation. Default false. */
  readonly useDefaults?: boolean;
}

/** Compiles a CRD's `openAPIV3Schema`; `validate(resource)` returns the error lines (empty when valid). */
export function crdValidator(openAPIV3Schema: Schema, options: CrdValidatorOptions = {}): (resource: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: options.useDefaults ?? false });
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-validations',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'example',
  ]) {
    ajv.addKeyword({ keyword });
  }
  const validate: ValidateFunction = ajv.compile(toJsonSchema(structuredClone(openAPIV3Schema)));
  return (resource) => (validate(resource) ? [] : (validate.errors ?? []).map(errorLine));
}

/** `/spec/polling/pollIntervalMs must be >= 10`, `/spec must have required property 'database'`, … */
export function errorLine(error: ErrorObject): string {
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`;
}

function toJsonSchema(node: Schema): Schema {
  for (const [bound, exclusive] of [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ] as const) {
    if (node[exclusive] === true) {
      node[exclusive] = node[bound];
      delete node[bound];
    } else if (node[exclusive] === false) delete node[exclusive];
  }
  const properties = node.properties as Record<string, Schema> | undefined;
  if (properties !== undefined) {
    for (const child of Object.values(properties)) toJsonSchema(child);
    if (node['x-kubernetes-preserve-unknown-fields'] !== true && node.additionalProperties === undefined) {
      node.additionalProperties = false;
    }
  }
  if (typeof node.items === 'object' && node.items !== null) toJsonSchema(node.items as Schema);
  if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) toJsonSchema(node.additionalProperties as Schema);
  for (const junctor of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const branch of (node[junctor] as Schema[] | undefined) ?? []) toJsonSchema(branch);
  }
  return node;
}
