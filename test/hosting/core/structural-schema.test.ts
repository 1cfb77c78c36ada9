import { z } from 'zod';
import { streamCustomResourceDefinition, structuralSchemaFromZod, structuralViolations, STREAM_STATUS_SCHEMA } from 'tributary/hosting';

describe('structuralSchemaFromZod', () => {
  it('types every field, keeps defaults and descriptions, and leaves defaulted fields optional', () => {
    const schema = structuralSchemaFromZod(
      z.object({
        tables: z.array(z.string().min(1)).min(1).describe('Tables to read.'),
        batchSize: z.number().int().positive().default(500),
        ratio: z.number().positive().max(1),
        mode: z.enum(['a', 'b']).default('a'),
        note: z.string().nullable().optional(),
      }),
    );
    expect(schema).toEqual({
      type: 'object',
      required: ['tables', 'ratio'],
      properties: {
        tables: { type: 'array', minItems: 1, description: 'Tables to read.', items: { type: 'string', minLength: 1 } },
        batchSize: { type: 'integer', default: 500, minimum: 1 }, // exclusive integer bound made inclusive, no ±2^53 noise
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        note: { type: 'string', nullable: true },
      },
    });
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('drops additionalProperties: false (Kubernetes prunes unknown fields) and turns records into maps', () => {
    const schema = structuralSchemaFromZod(z.strictObject({ labels: z.record(z.string(), z.string()), inner: z.strictObject({ a: z.boolean() }) }));
    expect(schema).toEqual({
      type: 'object',
      required: ['labels', 'inner'],
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        inner: { type: 'object', required: ['a'], properties: { a: { type: 'boolean' } } },
      },
    });
  });

  it('merges unions of literals into one enum, and keeps a field of several shapes as any JSON, saying which', () => {
    const schema = structuralSchemaFromZod(
      z.object({
        level: z.union([z.literal('low'), z.literal('high'), z.enum(['max'])]),
        tables: z.union([z.array(z.string()), z.object({ include: z.array(z.string()) })]).describe('What to read.'),
        extra: z.unknown(),
      }),
    );
    const properties = schema.properties as Record<string, unknown>;
    expect(properties.level).toEqual({ type: 'string', enum: ['low', 'high', 'max'] });
    expect(properties.tables).toEqual({
      description: 'What to read. Accepted forms: a list of strings | an object with include (validated by the job at start-up).',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(properties.extra).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('merges an intersection of objects, and keeps a tuple as a list of the right length', () => {
    const schema = structuralSchemaFromZod(
      z.object({ both: z.intersection(z.object({ x: z.string() }), z.object({ y: z.number() })), pair: z.tuple([z.string(), z.number()]) }),
    );
    expect((schema.properties as Record<string, unknown>).both).toEqual({
      type: 'object',
      required: ['x', 'y'],
      properties: { x: { type: 'string' }, y: { type: 'number' } },
    });
    expect((schema.properties as Record<string, unknown>).pair).toMatchObject({ type: 'array', minItems: 2, maxItems: 2 });
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('passes CEL rules given with .meta() through', () => {
    const rule = { rule: 'self.max >= self.min', message: 'max must be at least min' };
    const schema = structuralSchemaFromZod(
      z.object({ min: z.number().int(), max: z.number().int() }).refine((r) => r.max >= r.min, rule.message).meta({ 'x-kubernetes-validations': [rule] }),
    );
    expect(schema['x-kubernetes-validations']).toEqual([rule]);
  });

  it.each([
    ['an intersection of scalars', z.object({ a: z.intersection(z.string().min(1), z.string().max(3)) }), /spec\.a is an intersection/],
    ['fixed fields next to a map', z.object({ b: z.intersection(z.object({ x: z.string() }), z.record(z.string(), z.string())) }), /spec\.b has both fixed fields and a map/],
    ['an enum of mixed types', z.object({ v: z.union([z.literal(1), z.literal('one')]) }), /spec\.v mixes value types \(integer, string\)/],
    ['a date', z.object({ at: z.date() }), /Date cannot be represented/],
  ])('refuses %s, naming the field', (_name, schema, message) => {
    expect(() => structuralSchemaFromZod(schema)).toThrow(message);
  });

  it('refuses a recursive schema', () => {
    interface Tree {
      children: Tree[];
    }
    const Tree: z.ZodType<Tree> = z.object({ children: z.array(z.lazy(() => Tree)) });
    expect(() => structuralSchemaFromZod(z.object({ tree: Tree }))).toThrow(/Cycle detected|\$ref/);
  });
});

describe('structuralViolations', () => {
  it('names every rule a schema breaks', () => {
    expect(
      structuralViolations(
        {
          type: 'object',
          properties: {
            untyped: {},
            ref: { $ref: '#/x', type: 'string' },
            closed: { type: 'object', additionalProperties: false },
            both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
            unique: { type: 'array', uniqueItems: true, items: { type: 'string' } },
            tuple: { type: 'array', items: [{ type: 'string' }] },
            junction: { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ type: 'object', properties: { b: { type: 'string' } } }] },
            preserved: { 'x-kubernetes-preserve-unknown-fields': true },
            intOrString: { 'x-kubernetes-int-or-string': true },
          },
        },
        'spec',
      ),
    ).toEqual([
      'spec.untyped: no type (and not x-kubernetes-preserve-unknown-fields or x-kubernetes-int-or-string)',
      'spec.ref: $ref is not allowed',
      'spec.closed: additionalProperties must not be false',
      'spec.both: additionalProperties and properties are mutually exclusive',
      'spec.unique: uniqueItems must not be true',
      'spec.tuple: items must be one schema (no tuples)',
      'spec.junction.anyOf[0]: field "b" must also be specified outside anyOf',
      'spec.junction.anyOf[0]: type is not allowed inside anyOf/allOf/oneOf/not',
      'spec.junction.anyOf[0].b: type is not allowed inside anyOf/allOf/oneOf/not',
    ]);
  });

  it('accepts value validations in a junction when the fields are specified outside it', () => {
    const schema = {
      type: 'object',
      properties: { mode: { type: 'string' }, column: { type: 'string' } },
      anyOf: [{ properties: { mode: { enum: ['none'] } } }, { required: ['column'] }],
    };
    expect(structuralViolations(schema)).toEqual([]);
  });
});

describe('streamCustomResourceDefinition', () => {
  const spec = z.object({ table: z.string() });

  it('builds a namespaced CRD with the mandated status, the status subresource and Phase/Age columns', () => {
    const crd = streamCustomResourceDefinition({ group: 'streaming.example.com', kind: 'OrdersStream', plural: 'ordersstreams', version: 'v1', spec }) as any;
    expect(crd.metadata.name).toBe('ordersstreams.streaming.example.com');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({ kind: 'OrdersStream', listKind: 'OrdersStreamList', plural: 'ordersstreams', singular: 'ordersstream', categories: ['streams'] });
    const version = crd.spec.versions[0];
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Phase', 'Age']);
    expect(version.schema.openAPIV3Schema.properties.status).toEqual(STREAM_STATUS_SCHEMA);
    expect(version.schema.openAPIV3Schema.properties.status).not.toBe(STREAM_STATUS_SCHEMA);
    expect(version.schema.openAPIV3Schema.properties.spec).toEqual({ type: 'object', required: ['table'], properties: { table: { type: 'string' } } });
  });

  it.each([
    ['group', { group: 'Streaming' }, /group must match/],
    ['plural', { plural: 'Orders' }, /plural must match/],
    ['kind', { kind: 'ordersStream' }, /kind must match/],
    ['version', { version: '1' }, /version must match/],
  ])('refuses a malformed %s', (_field, override, message) => {
    expect(() =>
      streamCustomResourceDefinition({ group: 'streaming.example.com', kind: 'OrdersStream', plural: 'ordersstreams', version: 'v1', spec, ...override }),
    ).toThrow(message);
  });
});
