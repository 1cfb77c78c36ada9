import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { DEFAULT_DRAIN_TIMEOUT_MS } from 'tributary/hosting';
import { SQLSERVER_CDC_STREAM } from '../../examples/sqlserver-cdc-to-servicebus/crd';
import { JOB_TEMPLATE_NAMES, OPERATOR_API_GROUP, SqlServerCdcStreamResourceSpec } from '../../examples/sqlserver-cdc-to-servicebus/spec';
import { repoRoot } from '../../scripts/generate-crd';
import { renderChart, type RenderOptions } from './support/helm-lite';

const chartDir = join(repoRoot(__dirname), 'deploy/helm/sqlserver-cdc-stream');
const read = (path: string) => readFileSync(join(chartDir, path), 'utf8');
const values = parseYaml(read('values.yaml')) as Record<string, any>;
const valuesSchema = JSON.parse(read('values.schema.json')) as Record<string, unknown>;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

/** Every object the chart renders (templates only; crds/ is installed verbatim). */
function render(options: RenderOptions = {}): Manifest[] {
  const docs: Manifest[] = [];
  for (const [file, text] of renderChart(chartDir, options)) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}\n${text}`);
      const value = doc.toJS() as Manifest | null;
      if (value !== null) docs.push(value);
    }
  }
  return docs;
}

const manifests = render();
const ofKind = (kind: string, docs = manifests) => docs.filter((d) => d.kind === kind);
const jobTemplates = ofKind('StreamingJobTemplate');
const byName = (name: string) => jobTemplates.find((t) => t.metadata.name === name)!;

function validateValues(v: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(valuesSchema);
  return validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

describe('the sqlserver-cdc-stream Helm chart', () => {
  it('follows the plugin layout: Chart.yaml, values.yaml + schema, crds/, templates/, examples/', () => {
    const chart = parseYaml(read('Chart.yaml')) as Record<string, string>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'sqlserver-cdc-stream', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart.appVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readdirSync(join(chartDir, 'crds'))).toEqual(['sqlservercdcstreams.streaming.tributary.example.com.yaml']);
    expect(readdirSync(join(chartDir, 'templates')).sort()).toEqual(
      ['_helpers.tpl', 'rbac.yaml', 'serviceaccount.yaml', 'streamclass.yaml', 'streaming-job-templates.yaml'].sort(),
    );
  });

  describe('values', () => {
    it('values.yaml validates against values.schema.json', () => {
      expect(validateValues(values)).toEqual([]);
    });

    it.each([
      ['a grace period under the drain timeout', (v: any) => (v.job.terminationGracePeriodSeconds = 20), '/job/terminationGracePeriodSeconds must be >= 30'],
      ['exit codes without 2', (v: any) => (v.job.retryOnExitCodes = [3]), '/job/retryOnExitCodes must contain at least 1 valid item(s)'],
      ['running as root', (v: any) => (v.job.runAsUser = 0), '/job/runAsUser must be >= 1'],
      ['an unknown setting', (v: any) => (v.job.restartPolicy = 'OnFailure'), '/job must NOT have additional properties'],
      ['a memory limit missing', (v: any) => delete v.jobTemplates.stream.resources.limits.memory, "/jobTemplates/stream/resources/limits must have required property 'memory'"],
      ['a malformed quantity', (v: any) => (v.jobTemplates.backfill.resources.requests.cpu = 'lots'), '/jobTemplates/backfill/resources/requests/cpu must match pattern'],
    ])('a broken values file is refused: %s', (_name, change, message) => {
      const broken = structuredClone(values);
      change(broken);
      expect(validateValues(broken)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
    });
  });

  it('every template parses as YAML once the {{ … }} expressions are stubbed', () => {
    for (const file of readdirSync(join(chartDir, 'templates')).filter((f) => f.endsWith('.yaml'))) {
      const stubbed = read(`templates/${file}`)
        .split('\n')
        .filter((line) => !/^\s*\{\{-?[^}]*-?\}\}\s*$/.test(line)) // control lines and whole-line includes
        .map((line) => line.replace(/"?\{\{[^}]*\}\}(:\{\{[^}]*\}\})?"?/g, 'STUB'))
        .join('\n');
      for (const doc of parseAllDocuments(stubbed)) expect({ file, errors: doc.errors.map((e) => e.message) }).toEqual({ file, errors: [] });
    }
  });

  it('renders valid Kubernetes objects (kubernetes-models)', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'RoleBinding', 'ServiceAccount', 'StreamClass', 'StreamingJobTemplate', 'StreamingJobTemplate'].sort(),
    );
    const models: Record<string, new (doc: never) => { validate(): void }> = { ClusterRole, ClusterRoleBinding, RoleBinding, ServiceAccount };
    for (const doc of manifests) {
      const Model = models[doc.kind];
      if (Model) expect(() => new Model(doc as never).validate()).not.toThrow();
    }
    for (const template of jobTemplates) {
      const job = { ...template.spec.template, metadata: { name: 'shop-orders' } };
      expect(() => new Job(job as never).validate()).not.toThrow();
    }
  });

  it('the StreamClass points the operator at the CRD, and its secretRefs are secret-reference fields of the spec', () => {
    const [streamClass] = ofKind('StreamClass');
    expect(streamClass).toMatchObject({
      apiVersion: `${OPERATOR_API_GROUP}/v1beta1`,
      spec: {
        apiGroupRef: SQLSERVER_CDC_STREAM.group,
        kindRef: SQLSERVER_CDC_STREAM.kind,
        apiVersion: SQLSERVER_CDC_STREAM.version,
        pluralName: SQLSERVER_CDC_STREAM.plural,
        secretRefs: ['connectionSecretRef'],
      },
    });
    for (const field of streamClass!.spec.secretRefs as string[]) {
      const ref = (SqlServerCdcStreamResourceSpec.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[field];
      expect(ref?.safeParse({ name: 'connections' }).success).toBe(true);
    }
  });

  it('has a stream and a backfill template, named as the resource\'s template refs default to', () => {
    expect(jobTemplates.map((t) => t.metadata.name).sort()).toEqual([JOB_TEMPLATE_NAMES.backfill, JOB_TEMPLATE_NAMES.stream].sort());
    expect(values.jobTemplates.stream.name).toBe(JOB_TEMPLATE_NAMES.stream);
    expect(values.jobTemplates.backfill.name).toBe(JOB_TEMPLATE_NAMES.backfill);
    const defaults = SqlServerCdcStreamResourceSpec.parse({ database: 'd', tables: ['dbo.t'], connectionSecretRef: { name: 's' } });
    expect(defaults.jobTemplateRef).toEqual({ name: JOB_TEMPLATE_NAMES.stream, kind: 'StreamingJobTemplate', apiGroup: OPERATOR_API_GROUP });
    expect(defaults.backfillJobTemplateRef.name).toBe(JOB_TEMPLATE_NAMES.backfill);
    for (const t of jobTemplates) expect(t.apiVersion).toBe(`${OPERATOR_API_GROUP}/v1`);
  });

  describe.each([JOB_TEMPLATE_NAMES.stream, JOB_TEMPLATE_NAMES.backfill])('the Job of %s', (name) => {
    const job = () => byName(name).spec.template;
    const pod = () => job().spec.template.spec;
    const container = () => pod().containers[0];

    it('never restarts in place, retries failures 3 times, and is deleted right after it finishes', () => {
      expect(job()).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { backoffLimit: 3, ttlSecondsAfterFinished: 1 } });
      expect(pod().restartPolicy).toBe('Never');
    });

    it('ignores exit code 2 and disruptions in its podFailurePolicy', () => {
      expect(job().spec.podFailurePolicy.rules).toEqual([
        { action: 'Ignore', onExitCodes: { containerName: container().name, operator: 'In', values: [2] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ]);
    });

    it('gives the host longer than its drain timeout to stop', () => {
      expect(pod().terminationGracePeriodSeconds).toBeGreaterThan(DEFAULT_DRAIN_TIMEOUT_MS / 1000 + 1);
    });

    it('runs hardened: non-root, read-only root filesystem, no privilege escalation, no capabilities', () => {
      expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container().securityContext).toEqual({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container().volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod().volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    });

    it('requests and limits resources', () => {
      const mode = name === JOB_TEMPLATE_NAMES.stream ? 'stream' : 'backfill';
      expect(container().resources).toEqual(values.jobTemplates[mode].resources);
      expect(container().resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(container().resources.limits).toMatchObject({ memory: expect.anything() });
    });

    it('sets the Datadog environment, the agent host from the node, and secrets through envFrom', () => {
      const env = Object.fromEntries((container().env as Array<{ name: string; value?: string; valueFrom?: unknown }>).map((e) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({
        DD_ENV: 'production',
        DD_SERVICE: 'sqlserver-cdc-to-servicebus',
        DD_VERSION: '0.1.0',
        DD_AGENT_HOST: { fieldRef: { fieldPath: 'status.hostIP' } },
      });
      expect(Object.keys(env).filter((k) => /CONNECTION|PASSWORD|KEY|SECRET/.test(k))).toEqual([]);
      expect(container().envFrom).toEqual([{ secretRef: { name: 'sqlserver-cdc-shared', optional: true } }]);
      expect(container().image).toBe('registry.example.com/tributary/sqlserver-cdc-to-servicebus:0.1.0');
      expect(pod().serviceAccountName).toBe(ofKind('ServiceAccount')[0]!.metadata.name);
    });
  });

  it('grants the job patch on batch/jobs in its namespace, and the operator the viewer and editor roles', () => {
    const roles = new Map(ofKind('ClusterRole').map((r) => [r.metadata.name, r]));
    const jobEditor = ofKind('RoleBinding')[0]!;
    expect(jobEditor.metadata.namespace).toBe('streams');
    expect(jobEditor.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cdc', namespace: 'streams' }]);
    expect(roles.get(jobEditor.roleRef.name)!.rules).toEqual([{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['patch'] }]);

    const viewer = roles.get('streams-cdc-viewer')!;
    expect(viewer.rules).toEqual([{ apiGroups: [SQLSERVER_CDC_STREAM.group], resources: ['sqlservercdcstreams', 'sqlservercdcstreams/status'], verbs: ['get', 'list', 'watch'] }]);
    expect(viewer.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
    const editor = roles.get('streams-cdc-editor')!;
    expect(editor.rules[0]).toMatchObject({ resources: ['sqlservercdcstreams'], verbs: expect.arrayContaining(['create', 'update', 'patch', 'delete']) });
    expect(editor.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });

    const operatorRoles = ofKind('ClusterRoleBinding').map((b) => [b.roleRef.name, b.subjects[0].name, b.subjects[0].namespace]);
    expect(operatorRoles).toEqual([
      ['streams-cdc-viewer', 'arcane-operator', 'arcane'],
      ['streams-cdc-editor', 'arcane-operator', 'arcane'],
    ]);
  });

  it('follows its values: no operator bindings, an existing service account, extra env, an image tag', () => {
    const docs = render({
      values: {
        rbac: { operator: { serviceAccountName: '' } },
        serviceAccount: { create: false, name: 'existing' },
        image: { tag: '1.2.3' },
        job: { extraEnv: [{ name: 'LOG_LEVEL', value: 'DEBUG' }], envFrom: [], tolerations: [{ key: 'streams', operator: 'Exists' }] },
      },
    });
    expect(validateValues({ ...values, serviceAccount: { create: false, name: 'existing' } })).toEqual([]);
    expect(ofKind('ClusterRoleBinding', docs)).toEqual([]);
    expect(ofKind('ServiceAccount', docs)).toEqual([]);
    const pod = ofKind('StreamingJobTemplate', docs)[0]!.spec.template.spec.template.spec;
    expect(pod.serviceAccountName).toBe('existing');
    expect(pod.tolerations).toEqual([{ key: 'streams', operator: 'Exists' }]);
    expect(pod.containers[0].image).toMatch(/:1\.2\.3$/);
    expect(pod.containers[0].env).toContainEqual({ name: 'LOG_LEVEL', value: 'DEBUG' });
    expect(pod.containers[0].env).toContainEqual({ name: 'DD_VERSION', value: '1.2.3' });
    expect(pod.containers[0]).not.toHaveProperty('envFrom');
  });
});
