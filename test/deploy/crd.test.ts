import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { parse as parseYaml } from 'yaml';
import { STREAM_STATUS_SCHEMA, structuralViolations, type OpenApiSchema } from 'tributary/hosting';
import { SQLSERVER_CDC_STREAM, SQLSERVER_CDC_STREAM_CRD_NAME } from '../../examples/sqlserver-cdc-to-servicebus/crd';
import { PollingSpec, SessionKeySpec, SqlServerCdcStreamResourceSpec } from '../../examples/sqlserver-cdc-to-servicebus/spec';
import { CRD_TARGETS, renderCrd, repoRoot } from '../../scripts/generate-crd';

const root = repoRoot(__dirname);
const crdPath = `deploy/helm/sqlserver-cdc-stream/crds/${SQLSERVER_CDC_STREAM_CRD_NAME}.yaml`;
const crdText = readFileSync(join(root, crdPath), 'utf8');
const crd = parseYaml(crdText) as {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: Record<string, unknown>;
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: Record<string, unknown>;
      additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string }>;
      schema: { openAPIV3Schema: OpenApiSchema & { properties: Record<string, OpenApiSchema> } };
    }>;
  };
};
const version = crd.spec.versions[0]!;
const schema = version.schema.openAPIV3Schema;

/** The status schema the issue mandates, verbatim. */
const REQUIRED_STATUS = `
status:
  type: object
  properties:
    phase:
      type: string
      enum: [RESTARTING, RUNNING, RELOADING, TERMINATING, STOPPED, SUSPENDED, FAILED]
    conditions:
      type: array
      items:
        type: object
        required: [status, type]
        properties:
          message: { type: string }
          type: { type: string, enum: [WARNING, ERROR, INFO, READY] }
          status: { type: string, enum: ["True", "False"] }
`;

/** Every schema node with its path, for checks that walk the whole schema. */
function nodes(node: OpenApiSchema, path: string): Array<[string, OpenApiSchema]> {
  const out: Array<[string, OpenApiSchema]> = [[path, node]];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, OpenApiSchema>)) out.push(...nodes(child, `${path}.${name}`));
  if (typeof node.items === 'object' && node.items !== null) out.push(...nodes(node.items as OpenApiSchema, `${path}[]`));
  return out;
}

describe('the SqlServerCdcStream CRD', () => {
  it('is what the zod spec generates (run `npm run build && npm run generate:crd` after changing the spec)', () => {
    const target = CRD_TARGETS.find((t) => t.path === crdPath);
    expect(target).toBeDefined();
    expect(renderCrd(target!)).toBe(crdText);
  });

  it('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition (kubernetes-models)', () => {
    expect(() => new CustomResourceDefinition(crd as never).validate()).not.toThrow();
    // The validator is live: a malformed copy is refused.
    const broken = structuredClone(crd) as unknown as { spec: { versions: Array<Record<string, unknown>> } };
    broken.spec.versions[0]!.served = 'yes';
    expect(() => new CustomResourceDefinition(broken as never).validate()).toThrow(/served.*must be boolean|must be boolean/);
  });

  it('has a structural schema', () => {
    expect(structuralViolations(schema)).toEqual([]);
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['spec']);
  });

  it('is namespaced, named <plural>.<group>, with the status subresource and Phase and Age columns', () => {
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.metadata.name).toBe('sqlservercdcstreams.streaming.tributary.example.com');
    expect(crd.spec.group).toBe(SQLSERVER_CDC_STREAM.group);
    expect(crd.spec.names).toMatchObject({ kind: 'SqlServerCdcStream', plural: 'sqlservercdcstreams', listKind: 'SqlServerCdcStreamList' });
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: SQLSERVER_CDC_STREAM.version, served: true, storage: true, subresources: { status: {} } });
    const columns = version.additionalPrinterColumns.map(({ name, type, jsonPath }) => ({ name, type, jsonPath }));
    expect(columns).toEqual(
      expect.arrayContaining([
        { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]),
    );
  });

  it('has exactly the mandated status schema, field for field', () => {
    const required = (parseYaml(REQUIRED_STATUS) as { status: OpenApiSchema }).status;
    expect(schema.properties.status).toStrictEqual(required);
    expect(STREAM_STATUS_SCHEMA).toStrictEqual(required);
    expect(Object.isFrozen(STREAM_STATUS_SCHEMA)).toBe(true);
  });

  it('keeps unknown fields only where a field has several shapes (tables: a list or include/exclude)', () => {
    const preserved = nodes(schema, '').filter(([, n]) => n['x-kubernetes-preserve-unknown-fields'] === true).map(([p]) => p);
    expect(preserved).toEqual(['.spec.tables']);
    expect(schema.properties.spec!.properties).toMatchObject({ tables: { description: expect.stringMatching(/Accepted forms: a list of strings \| an object with include, exclude/) } });
  });

  it('requires the secret reference and never has a field for a secret value', () => {
    const spec = schema.properties.spec!;
    expect(spec.required).toEqual(expect.arrayContaining(['database', 'tables', 'connectionSecretRef']));
    const secretRef = (spec.properties as Record<string, OpenApiSchema>).connectionSecretRef!;
    expect(Object.keys(secretRef.properties as object)).toEqual(['name']);
    const paths = nodes(spec, 'spec').map(([p]) => p);
    expect(paths.filter((p) => /password|connectionstring|accountkey|sharedaccess/i.test(p))).toEqual([]);
  });

  it('has defaults that validate against their own schema (the apiserver refuses the CRD otherwise)', () => {
    const ajv = new Ajv({ strict: false });
    const withDefaults = nodes(schema, '').filter(([, n]) => n.default !== undefined);
    expect(withDefaults.length).toBeGreaterThan(15);
    for (const [path, node] of withDefaults) {
      const ok = ajv.validate({ ...node, nullable: undefined }, node.default);
      if (!ok) throw new Error(`${path}: default ${JSON.stringify(node.default)} is invalid: ${ajv.errorsText()}`);
    }
  });

  it('uses only patterns the apiserver\'s RE2 engine compiles (no lookaround, no backreferences)', () => {
    const patterns = nodes(schema, '').flatMap(([path, n]) => (typeof n.pattern === 'string' ? [[path, n.pattern] as const] : []));
    expect(patterns.length).toBeGreaterThan(0);
    for (const [path, pattern] of patterns) {
      expect({ path, re2: !/\(\?[=!<]|\\[1-9]/.test(pattern) }).toEqual({ path, re2: true });
      expect(() => new RegExp(pattern)).not.toThrow();
    }
  });

  it('carries the zod refinements as CEL rules with the same messages', () => {
    const spec = schema.properties.spec!;
    const at = (path: string[]) => path.reduce<OpenApiSchema>((n, key) => (n.properties as Record<string, OpenApiSchema>)[key]!, spec);
    const rules = (n: OpenApiSchema) => (n['x-kubernetes-validations'] as Array<{ rule: string; message: string }>).map((r) => r.message);

    const polling = PollingSpec.safeParse({ pollIntervalMs: 1000, maxPollIntervalMs: 500 });
    expect(polling.success).toBe(false);
    expect(rules(at(['polling']))).toEqual([polling.error!.issues[0]!.message]);

    const session = SessionKeySpec.safeParse({ mode: 'column' });
    expect(session.success).toBe(false);
    expect(rules(at(['serviceBus', 'sessionKey']))).toEqual([session.error!.issues[0]!.message]);

    const takeover = SqlServerCdcStreamResourceSpec.safeParse({
      database: 'shop',
      tables: ['dbo.orders'],
      connectionSecretRef: { name: 's' },
      serviceBus: { duplicateDetection: { windowMs: 30_000 } },
      checkpoint: { leaseDurationSeconds: 60 },
    });
    expect(takeover.success).toBe(false);
    expect(rules(spec)).toEqual([takeover.error!.issues[0]!.message]);
  });
});
