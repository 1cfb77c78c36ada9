/**
 * Kubernetes structural schemas from zod: a stream definition's CRD `spec` schema generated from the same zod
 * schema the program validates `STREAMCONTEXT__SPEC` with, so the two cannot drift.
 *
 * A CRD's `openAPIV3Schema` must be *structural* (apiextensions.k8s.io/v1): every field has a `type` (unless it
 * is `x-kubernetes-preserve-unknown-fields` or `x-kubernetes-int-or-string`), no `$ref`, `anyOf`/`oneOf`/`allOf`/
 * `not` carry value validations only, `additionalProperties` is never `false` nor next to `properties`, and
 * `uniqueItems` is never `true`. `z.toJSONSchema` (OpenAPI 3.0 target, input side) gets most of the way; this
 * module converts the rest and checks the result.
 */
import { z } from 'zod';

/** A node of an OpenAPI v3 / Kubernetes `JSONSchemaProps` schema (as plain JSON). */
export type OpenApiSchema = { [keyword: string]: unknown };

/** Options of `structuralSchemaFromZod`. */
export interface StructuralSchemaOptions {
  /** Where the schema sits in the CRD, used in error messages and descriptions; default `spec`. */
  readonly path?: string;
}

/** Keywords Kubernetes' `JSONSchemaProps` accepts that are copied as they are. */
const COPIED = new Set([
  'description',
  'title',
  'default',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'enum',
  'nullable',
  'example',
]);

/** Keywords dropped without loss: JSON-Schema bookkeeping Kubernetes has no use for. */
const DROPPED = new Set(['$schema', 'id', '$id', 'examples', 'readOnly', 'writeOnly']);

/** Bounds zod writes for every `z.number().int()`; they say nothing and only clutter the CRD. */
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * Converts a zod schema (its *input* side: fields with defaults are optional and carry `default`) into a
 * Kubernetes structural schema. `.describe()` texts become `description`s (shown by `kubectl explain`), and
 * `.meta({ 'x-kubernetes-validations': [{ rule, message }] })` adds CEL rules for what JSON Schema cannot say
 * (the apiserver enforces them; the program enforces the same through `.refine`).
 *
 * A union whose branches have different types (e.g. `string[] | { include, exclude }`) cannot be structural: the
 * field becomes `x-kubernetes-preserve-unknown-fields: true` with a description listing the accepted forms, and
 * the program validates it at start-up. Unions of enums/literals of one type merge into one `enum`; intersections
 * of objects are merged by zod. Anything else Kubernetes cannot represent (other intersections, `$ref`, fixed
 * fields next to a map, `uniqueItems`) throws, naming the field.
 *
 * @example
 * const Spec = z.object({ tables: z.array(z.string()).min(1), batchSize: z.number().int().min(1).default(500) });
 * structuralSchemaFromZod(Spec);
 * // { type: 'object', required: ['tables'], properties: {
 * //     tables: { type: 'array', minItems: 1, items: { type: 'string' } },
 * //     batchSize: { type: 'integer', minimum: 1, default: 500 } } }
 */
export function structuralSchemaFromZod(schema: z.ZodType, options: StructuralSchemaOptions = {}): OpenApiSchema {
  const path = options.path ?? 'spec';
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw', reused: 'inline', cycles: 'throw' });
  const converted = toStructural(json as OpenApiSchema, path);
  const violations = structuralViolations(converted, path);
  if (violations.length > 0) {
    throw new Error(`structuralSchemaFromZod: the schema at ${path} is not structural: ${violations.join('; ')}`);
  }
  return converted;
}

function toStructural(node: OpenApiSchema, path: string): OpenApiSchema {
  if ('$ref' in node || '$defs' in node || 'definitions' in node) {
    throw new Error(`structuralSchemaFromZod: ${path} uses $ref, which a CRD cannot contain (a recursive or reused schema?)`);
  }
  if ('allOf' in node) {
    throw new Error(`structuralSchemaFromZod: ${path} is an intersection (allOf); write it as one z.object`);
  }
  const union = (node.anyOf ?? node.oneOf) as OpenApiSchema[] | undefined;
  if (union !== undefined) return unionToStructural(node, union, path);
  if (node.type === undefined && node.enum === undefined && node.const === undefined) {
    // z.unknown() / z.any(): any JSON value.
    return { ...pick(node, ['description', 'default']), 'x-kubernetes-preserve-unknown-fields': true };
  }

  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (COPIED.has(key) || key.startsWith('x-kubernetes-')) out[key] = value;
    else if (DROPPED.has(key)) continue;
    else if (key === 'type') out.type = value;
    else if (key === 'const') out.enum = [value];
    else if (key === 'required') out.required = value;
    else if (key === 'properties') {
      const props: Record<string, OpenApiSchema> = {};
      for (const [name, child] of Object.entries(value as Record<string, OpenApiSchema>)) {
        props[name] = toStructural(child, `${path}.${name}`);
      }
      out.properties = props;
    } else if (key === 'additionalProperties') {
      // `false` (z.strictObject, z.object output) cannot be said in a CRD: unknown fields are pruned by the
      // apiserver, and rejected by `kubectl apply` (strict field validation). A schema value is a map (z.record).
      if (value === false || value === true) continue;
      if (node.properties !== undefined) {
        throw new Error(`structuralSchemaFromZod: ${path} has both fixed fields and a map of other keys, which a CRD cannot describe; nest the map in a field`);
      }
      out.additionalProperties = toStructural(value as OpenApiSchema, `${path}[*]`);
    } else if (key === 'items') {
      if (Array.isArray(value) || 'prefixItems' in node) {
        throw new Error(`structuralSchemaFromZod: ${path} is a tuple, which a CRD cannot describe; use an object`);
      }
      out.items = toStructural(value as OpenApiSchema, `${path}[]`);
    } else if (key === 'uniqueItems') {
      if (value === true) {
        throw new Error(`structuralSchemaFromZod: ${path} sets uniqueItems, which Kubernetes forbids; use a list and dedupe in the program`);
      }
    } else if (key === 'minimum' || key === 'maximum' || key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      continue; // below
    } else {
      throw new Error(`structuralSchemaFromZod: ${path} uses the JSON Schema keyword "${key}", which has no Kubernetes equivalent here`);
    }
  }
  if (out.type === undefined && Array.isArray(out.enum)) out.type = jsonTypeOf(out.enum, path);
  Object.assign(out, numericBounds(node));
  return out;
}

/** `minimum`/`maximum` in the OpenAPI 3.0 form (boolean `exclusive*`), integer exclusives made inclusive. */
function numericBounds(node: OpenApiSchema): OpenApiSchema {
  const out: OpenApiSchema = {};
  const integer = node.type === 'integer';
  for (const [bound, exclusive, step] of [
    ['minimum', 'exclusiveMinimum', 1],
    ['maximum', 'exclusiveMaximum', -1],
  ] as const) {
    const value = node[bound];
    if (typeof value !== 'number' || Math.abs(value) === SAFE_INTEGER_BOUND) continue;
    if (node[exclusive] === true && integer) out[bound] = value + step;
    else {
      out[bound] = value;
      if (node[exclusive] === true) out[exclusive] = true;
    }
  }
  return out;
}

function unionToStructural(node: OpenApiSchema, branches: OpenApiSchema[], path: string): OpenApiSchema {
  const outer = pick(node, ['description', 'default', 'nullable']);
  const scalar = branches.every((b) => b.enum !== undefined || b.const !== undefined);
  if (scalar) {
    const values = branches.flatMap((b) => (b.enum as unknown[] | undefined) ?? [b.const]);
    return { ...outer, type: jsonTypeOf(values, path), enum: values };
  }
  // Different shapes under one field: Kubernetes cannot type it. Keep the value as it is and say what is accepted.
  const forms = branches.map((b) => describeForm(b)).join(' | ');
  const description = [node.description, `Accepted forms: ${forms} (validated by the job at start-up).`].filter(Boolean).join(' ');
  return { ...outer, description, 'x-kubernetes-preserve-unknown-fields': true };
}

function describeForm(branch: OpenApiSchema): string {
  if (branch.type === 'array') return `a list of ${(branch.items as OpenApiSchema | undefined)?.type ?? 'value'}s`;
  if (branch.type === 'object') return `an object with ${Object.keys((branch.properties as object | undefined) ?? {}).join(', ') || 'any fields'}`;
  return String(branch.type ?? 'a value');
}

function jsonTypeOf(values: unknown[], path: string): string {
  const types = new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
  if (types.size !== 1) {
    throw new Error(`structuralSchemaFromZod: ${path} mixes value types (${[...types].join(', ')}) in one enum, which a CRD cannot type`);
  }
  return [...types][0]!;
}

function pick(node: OpenApiSchema, keys: readonly string[]): OpenApiSchema {
  const out: OpenApiSchema = {};
  for (const key of keys) if (node[key] !== undefined) out[key] = node[key];
  return out;
}

const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable'] as const;

/**
 * Lists why a schema is not a Kubernetes structural schema (empty when it is), each reason naming the field:
 * a missing `type`, `$ref`, `additionalProperties: false` or next to `properties`, `uniqueItems: true`, a tuple,
 * a junctor (`anyOf`…) that sets `type`/`description`/`default`/`additionalProperties`/`nullable` or names a field
 * not specified outside it.
 *
 * @example
 * structuralViolations({ type: 'object', properties: { a: {} } }, 'spec');
 * // ['spec.a: no type (and not x-kubernetes-preserve-unknown-fields or x-kubernetes-int-or-string)']
 */
export function structuralViolations(schema: OpenApiSchema, path = 'openAPIV3Schema'): string[] {
  const problems: string[] = [];
  visit(schema, path, false, problems);
  return problems;
}

function visit(node: OpenApiSchema, path: string, inJunctor: boolean, problems: string[]): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    problems.push(`${path}: not a schema object`);
    return;
  }
  const typeless = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (!inJunctor && (typeof node.type !== 'string' || node.type === '') && !typeless) {
    problems.push(`${path}: no type (and not x-kubernetes-preserve-unknown-fields or x-kubernetes-int-or-string)`);
  }
  if ('$ref' in node) problems.push(`${path}: $ref is not allowed`);
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties must not be false`);
  if (node.additionalProperties !== undefined && node.properties !== undefined) {
    problems.push(`${path}: additionalProperties and properties are mutually exclusive`);
  }
  if (node.uniqueItems === true) problems.push(`${path}: uniqueItems must not be true`);
  if (Array.isArray(node.items)) problems.push(`${path}: items must be one schema (no tuples)`);
  if (inJunctor) {
    for (const key of FORBIDDEN_IN_JUNCTORS) {
      if (node[key] !== undefined) problems.push(`${path}: ${key} is not allowed inside anyOf/allOf/oneOf/not`);
    }
  }
  const properties = (node.properties ?? {}) as Record<string, OpenApiSchema>;
  for (const [name, child] of Object.entries(properties)) visit(child, `${path}.${name}`, inJunctor, problems);
  if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) {
    visit(node.additionalProperties as OpenApiSchema, `${path}[*]`, inJunctor, problems);
  }
  if (typeof node.items === 'object' && node.items !== null && !Array.isArray(node.items)) {
    visit(node.items as OpenApiSchema, `${path}[]`, inJunctor, problems);
  }
  for (const junctor of JUNCTORS) {
    const value = node[junctor];
    if (value === undefined) continue;
    const branches = (Array.isArray(value) ? value : [value]) as OpenApiSchema[];
    branches.forEach((branch, i) => {
      const at = `${path}.${junctor}[${i}]`;
      for (const name of Object.keys((branch.properties ?? {}) as object)) {
        if (!(name in properties)) problems.push(`${at}: field "${name}" must also be specified outside ${junctor}`);
      }
      if (branch.items !== undefined && node.items === undefined) problems.push(`${at}: items must also be specified outside ${junctor}`);
      visit(branch, at, true, problems);
    });
  }
}
