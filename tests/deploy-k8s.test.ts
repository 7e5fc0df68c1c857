import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { BUILTIN_WORKERS, envSchema, loadConfig } from '@mcpgw/gateway';
import { CLI_ENTRY, REPO_ROOT, startGateway, waitFor, type GatewayProcess } from '@mcpgw/test-support';
import { postgresEnvSchema } from '@mcpgw/worker-postgres';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
// The workers' own variables: their sources are imported by path (as tests/docs.test.ts does).
import { birEnvSchema } from '../apps/workers/bir/src/bir-worker.js';
import { cloudflareEnvSchema } from '../apps/workers/cloudflare/src/cloudflare-worker.js';
import { githubEnvSchema } from '../apps/workers/github/src/github-worker.js';
import { mem0EnvSchema } from '../apps/workers/mem0/src/mem0-worker.js';
import { monitorEnvSchema } from '../apps/workers/monitor/src/monitor-worker.js';
import { n8nEnvSchema } from '../apps/workers/n8n/src/n8n-worker.js';
import { odooEnvSchema } from '../apps/workers/odoo/src/odoo-worker.js';
import { supabaseEnvSchema } from '../apps/workers/supabase/src/supabase-worker.js';
import { commonWorkerEnvSchema } from '../packages/worker-kit/src/worker-env.js';

/**
 * The Kubernetes manifests of issue 9 (deploy/k8s): every document validates against its Kubernetes or
 * Prometheus-operator schema (kubernetes-models, ajv on the OpenAPI schemas), the kustomizations list
 * every file, the objects agree with each other (selectors, ports, names, probes) and with the code
 * (built-in workers, the variables the gateway and the workers read, the health routes of a running
 * gateway and worker). `kubectl kustomize` renders both kustomizations where kubectl exists.
 */

const K8S = 'deploy/k8s';
const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');

/** Every model the manifests may use, by `apiVersion/kind`; any other kind fails the schema test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Throws the schema errors of one document (or says its kind is unknown). */
function validate(doc: K8sObject): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for apiVersion ${doc.apiVersion}, kind ${doc.kind}: add its kubernetes-models class to MODELS`);
  new Model(doc as never).validate();
}

// ---- the subset of the Kubernetes types the checks read ----
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  timeoutSeconds?: number;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  topologySpreadConstraints?: { topologyKey: string; labelSelector: LabelSelector }[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}
interface DeploymentObject extends K8sObject {
  spec: {
    replicas: number;
    selector: LabelSelector;
    strategy?: { type: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}
interface ServiceObject extends K8sObject {
  spec: { selector: Record<string, string>; sessionAffinity?: string; ports: { name: string; port: number; targetPort: string | number }[] };
}
interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** Every .yaml/.yml file below deploy/k8s, relative to it. */
function yamlFiles(dir = `${REPO_ROOT}${K8S}`): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [relative(`${REPO_ROOT}${K8S}`, path)] : [];
  });
}

/** Parses a multi-document YAML text; a syntax error fails the test that reads it. */
function parseDocuments(text: string, file: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  }).filter((doc) => doc !== null);
}

const files = yamlFiles();
const kustomizationFiles = files.filter((f) => /(^|\/)kustomization\.yaml$/.test(f));
const manifestFiles = files.filter((f) => !kustomizationFiles.includes(f));
const documents = manifestFiles.flatMap((file) => parseDocuments(read(`${K8S}/${file}`), file).map((doc) => ({ file, doc: doc as K8sObject })));
const kustomizations = new Map(kustomizationFiles.map((f) => [f, parseDocuments(read(`${K8S}/${f}`), f)[0] as Kustomization]));

/** The objects `kubectl apply -k deploy/k8s` applies (the base kustomization's resources). */
const baseFiles = kustomizations.get('kustomization.yaml')!.resources;
const applied = documents.filter((d) => baseFiles.includes(d.file)).map((d) => d.doc);
const find = <T extends K8sObject>(kind: string, name: string): T => {
  const found = applied.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${K8S}`);
  return found as T;
};
const deployments = applied.filter((o): o is DeploymentObject => o.kind === 'Deployment');
const services = applied.filter((o): o is ServiceObject => o.kind === 'Service');
const gateway = find<DeploymentObject>('Deployment', 'mcp-gateway');
const gatewayContainer = gateway.spec.template.spec.containers[0]!;
const jobsWorker = find<DeploymentObject>('Deployment', 'mcpgw-jobs-worker');
const configMap = find<K8sObject>('ConfigMap', 'mcp-gateway-config').data!;
const secretExample = documents.find((d) => d.file === 'secret.example.yaml')!.doc;
const workerName = (name: string) => `mcpgw-worker-${name}`;

/** Whether a label selector selects the given labels. */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key] ?? '\0');
    if (operator === 'NotIn') return !values.includes(labels[key] ?? '\0');
    if (operator === 'Exists') return key in labels;
    return !(key in labels);
  });
  return byLabels && byExpressions;
}
const podLabels = (d: DeploymentObject) => d.spec.template.metadata.labels;
/** A container port by name or number. */
const containerPort = (c: Container, port: string | number) => c.ports?.find((p) => p.name === port || p.containerPort === port)?.containerPort;
/** `a=1, b=2` → Map { a → 1, b → 2 } (the gateway's comma lists trim each entry). */
const pairs = (list: string) => new Map(list.split(',').map((e) => e.trim()).filter(Boolean).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

/** The variables each built-in worker reads (monitor reads the odoo, supabase and bir ones too), and every worker's. */
type Shaped = { shape: Record<string, unknown> };
const keysOf = (...schemas: Shaped[]) => schemas.flatMap((s) => Object.keys(s.shape));
const WORKER_VARIABLES: Record<string, string[]> = {
  postgres: keysOf(postgresEnvSchema),
  odoo: keysOf(odooEnvSchema),
  supabase: keysOf(supabaseEnvSchema),
  bir: keysOf(birEnvSchema),
  monitor: keysOf(monitorEnvSchema, odooEnvSchema, supabaseEnvSchema, birEnvSchema),
  n8n: keysOf(n8nEnvSchema),
  mem0: keysOf(mem0EnvSchema),
  cloudflare: keysOf(cloudflareEnvSchema),
  github: keysOf(githubEnvSchema),
};
const COMMON_WORKER_VARIABLES = keysOf(commonWorkerEnvSchema);
const GATEWAY_VARIABLES = Object.keys(envSchema.shape);

describe('deploy/k8s: schemas', () => {
  it('finds the manifests: a base kustomization, the monitoring one and at least one document per file', () => {
    expect([...kustomizations.keys()].sort()).toEqual(['kustomization.yaml', 'monitoring/kustomization.yaml']);
    for (const file of manifestFiles) expect({ file, documents: documents.filter((d) => d.file === file).length }).toEqual({ file, documents: expect.any(Number) });
    expect(documents.length).toBeGreaterThanOrEqual(25);
  });

  it.each(documents.map((d) => [`${d.file}: ${d.doc.kind} ${d.doc.metadata?.name}`, d.doc] as const))('%s validates against its schema', (_title, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  it('rejects a broken manifest, an unknown kind and a broken ServiceMonitor (the validators really check)', () => {
    const broken = structuredClone(gateway) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => validate(broken as unknown as K8sObject)).toThrow(/replicas must be integer/);
    const missingContainers = structuredClone(gateway);
    delete (missingContainers.spec.template.spec as Partial<PodSpec>).containers;
    expect(() => validate(missingContainers)).toThrow(/containers/);
    expect(() => validate({ ...gateway, apiVersion: 'apps/v1beta1' })).toThrow(/no schema for apiVersion apps\/v1beta1/);
    const monitor = documents.find((d) => d.doc.kind === 'ServiceMonitor')!.doc;
    expect(() => validate({ ...monitor, spec: { ...monitor.spec, endpoints: 'metrics' } })).toThrow(/endpoints/);
  });
});

describe('deploy/k8s: kustomizations', () => {
  it('list only files that exist, and every manifest file but secret.example.yaml is listed exactly once', () => {
    const listed: string[] = [];
    for (const [file, k] of kustomizations) {
      for (const resource of k.resources) {
        const path = join(dirname(file), resource);
        expect({ resource, exists: existsSync(`${REPO_ROOT}${K8S}/${path}`) }).toEqual({ resource, exists: true });
        if (!statSync(`${REPO_ROOT}${K8S}/${path}`).isDirectory()) listed.push(path);
      }
    }
    expect(listed.sort()).toEqual(manifestFiles.filter((f) => f !== 'secret.example.yaml').sort());
  });

  it('never apply a Secret: the example stays out, and no listed file holds one', () => {
    expect(manifestFiles).toContain('secret.example.yaml');
    expect(applied.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(documents.filter((d) => d.doc.kind === 'Secret').map((d) => d.file)).toEqual(['secret.example.yaml']);
  });

  it('put everything in the mcp-gateway namespace the base creates', () => {
    for (const k of kustomizations.values()) expect(k.namespace).toBe('mcp-gateway');
    expect(applied.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['mcp-gateway']);
    // Namespaces come from the kustomization alone, so an overlay can move everything.
    expect(documents.filter((d) => d.doc.metadata.namespace !== undefined).map((d) => d.file)).toEqual([]);
  });

  it('name the one image every container runs, so `kustomize edit set image mcp-gateway=...` moves them all', () => {
    const images = kustomizations.get('kustomization.yaml')!.images!;
    expect(images).toEqual([{ name: 'mcp-gateway', newName: 'mcp-gateway', newTag: expect.stringMatching(/^\d+\.\d+\.\d+$/) }]);
    const containers = deployments.flatMap((d) => d.spec.template.spec.containers);
    expect(containers.length).toBe(BUILTIN_WORKERS.length + 2);
    for (const c of containers) expect(c.image).toBe('mcp-gateway');
  });
});

describe('deploy/k8s: the gateway', () => {
  it('runs at least 2 replicas, rolls without losing one, and spreads them over nodes', () => {
    expect(gateway.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(gateway.spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
    expect(gatewayContainer.args).toEqual(['start']);
    const spread = gateway.spec.template.spec.topologySpreadConstraints ?? [];
    const byNode = spread.find((c) => c.topologyKey === 'kubernetes.io/hostname');
    expect(byNode).toBeDefined();
    expect(selects(byNode!.labelSelector, podLabels(gateway))).toBe(true);
  });

  it('is scaled by an HPA on CPU between 2 and more replicas', () => {
    const hpa = applied.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: gateway.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(gateway.spec.replicas).toBe(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } });
    // Utilization is relative to the request.
    expect(gatewayContainer.resources?.requests?.['cpu']).toBeDefined();
  });

  it('has a PodDisruptionBudget over its pods that still lets a node drain', () => {
    const pdbs = applied.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(pdbs).toHaveLength(1);
    const pdb = pdbs[0]!;
    expect(selects(pdb.spec.selector, podLabels(gateway))).toBe(true);
    expect(deployments.filter((d) => selects(pdb.spec.selector, podLabels(d))).map((d) => d.metadata.name)).toEqual([gateway.metadata.name]);
    if (pdb.spec.maxUnavailable !== undefined) expect(pdb.spec.maxUnavailable).toBe(1);
    else expect(pdb.spec.minAvailable).toBeLessThan(gateway.spec.replicas);
  });

  it('probes /health/live (startup, liveness) and /health/ready (readiness) on the API port', () => {
    expect(gatewayContainer.startupProbe?.httpGet?.path).toBe('/health/live');
    expect(gatewayContainer.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(gatewayContainer.readinessProbe?.httpGet?.path).toBe('/health/ready');
    for (const probe of [gatewayContainer.startupProbe, gatewayContainer.livenessProbe, gatewayContainer.readinessProbe]) {
      expect(containerPort(gatewayContainer, probe!.httpGet!.port)).toBe(Number(configMap['PORT']));
    }
  });

  it('reads the ConfigMap and the Secret, and cannot start without DATABASE_URL, REDIS_URL and WORKER_AUTH_TOKEN', () => {
    for (const d of [gateway, jobsWorker]) {
      const container = d.spec.template.spec.containers[0]!;
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'mcp-gateway-config' } }, { secretRef: { name: 'mcp-gateway-secrets' } }]);
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'WORKER_AUTH_TOKEN']) {
        expect(container.env).toContainEqual({ name, valueFrom: { secretKeyRef: { name: 'mcp-gateway-secrets', key: name } } });
      }
    }
  });

  it('serves the API and metrics ports through its Service, and asks to be scraped on the metrics port', () => {
    expect(containerPort(gatewayContainer, 'http')).toBe(Number(configMap['PORT']));
    expect(containerPort(gatewayContainer, 'metrics')).toBe(Number(configMap['METRICS_PORT']));
    const annotations = gateway.spec.template.metadata.annotations!;
    expect(annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': configMap['METRICS_PORT'], 'prometheus.io/path': '/metrics' });
    const service = find<ServiceObject>('Service', 'mcp-gateway');
    expect(service.spec.ports.map((p) => p.name).sort()).toEqual(['http', 'metrics']);
  });

  it('gives SIGTERM time for the preStop pause and SHUTDOWN_TIMEOUT_MS, and the jobs worker time to finish its jobs', () => {
    const shutdownMs = Number(configMap['SHUTDOWN_TIMEOUT_MS'] ?? envSchema.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined));
    const preStop = gatewayContainer.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const pauseMs = Number(preStop[1]) * 1000;
    expect(pauseMs).toBeGreaterThan(0);
    expect(gateway.spec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(pauseMs + shutdownMs + 5_000);
    expect(jobsWorker.spec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(shutdownMs + 5_000);
  });
});

describe('deploy/k8s: the jobs worker', () => {
  it('runs `mcpgw jobs-worker` with the gateway configuration and no listener', () => {
    const container = jobsWorker.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(['jobs-worker']);
    expect(container.ports).toBeUndefined();
    expect(services.filter((s) => selects({ matchLabels: s.spec.selector }, podLabels(jobsWorker)))).toEqual([]);
    // Only it consumes jobs: the API replicas queue them.
    expect(configMap['JOBS_CONSUMER']).toBe('false');
  });
});

describe('deploy/k8s: the workers', () => {
  it.each(BUILTIN_WORKERS.map((w) => [w.name]))('%s has a Deployment running `worker <name> --http 8200 --host 0.0.0.0` and a Service on 8200', (name) => {
    const deployment = find<DeploymentObject>('Deployment', workerName(name));
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(['worker', name, '--http', '8200', '--host', '0.0.0.0']);
    expect(container.command).toBeUndefined(); // the image's entry point is the mcpgw CLI
    expect(containerPort(container, 'http')).toBe(8200);
    expect(podLabels(deployment)['app.kubernetes.io/component']).toBe('worker');
    const service = find<ServiceObject>('Service', workerName(name));
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8200, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.sessionAffinity).toBe('ClientIP');
    for (const probe of [container.startupProbe!, container.readinessProbe!]) expect(probe.httpGet).toEqual({ path: '/health', port: 'http' });
    // Longer than the worker's own 5 s limit on an upstream check.
    expect(container.readinessProbe!.timeoutSeconds).toBeGreaterThan(5);
    expect(container.livenessProbe?.tcpSocket?.port).toBe('http');
  });

  it.each(BUILTIN_WORKERS.map((w) => [w.name]))('%s gets WORKER_AUTH_TOKEN and only variables it reads; its credentials are optional', (name) => {
    const container = find<DeploymentObject>('Deployment', workerName(name)).spec.template.spec.containers[0]!;
    expect(container.envFrom).toBeUndefined(); // never the whole Secret: DATABASE_URL, JWT_SECRET... are the gateway's
    const env = container.env ?? [];
    expect(env).toContainEqual({ name: 'WORKER_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: 'mcp-gateway-secrets', key: 'WORKER_AUTH_TOKEN' } } });
    const readable = new Set([...COMMON_WORKER_VARIABLES, ...WORKER_VARIABLES[name]!]);
    for (const variable of env) {
      expect({ variable: variable.name, readBy: readable.has(variable.name) }).toEqual({ variable: variable.name, readBy: true });
      const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
      if (ref) expect(ref.key).toBe(variable.name);
      if (variable.valueFrom?.secretKeyRef) {
        expect(variable.valueFrom.secretKeyRef.name).toBe('mcp-gateway-secrets');
        expect({ variable: variable.name, optional: variable.valueFrom.secretKeyRef.optional ?? false }).toEqual({ variable: variable.name, optional: variable.name !== 'WORKER_AUTH_TOKEN' });
      }
      if (variable.valueFrom?.configMapKeyRef) expect(variable.valueFrom.configMapKeyRef).toMatchObject({ name: 'mcp-gateway-config', optional: true });
    }
    expect(env.filter((v) => v.valueFrom?.secretKeyRef).length).toBeGreaterThan(1);
  });

  it('are all in WORKER_URLS, each at its Service name and port, and nothing else is', () => {
    expect(configMap['WORKERS'] ?? 'all').toBe('all');
    const urls = pairs(configMap['WORKER_URLS']!);
    expect([...urls.keys()].sort()).toEqual(BUILTIN_WORKERS.map((w) => w.name).sort());
    for (const [name, url] of urls) {
      const service = find<ServiceObject>('Service', workerName(name));
      const parsed = new URL(url);
      expect({ name, protocol: parsed.protocol, host: parsed.hostname, port: Number(parsed.port), path: parsed.pathname }).toEqual({
        name,
        protocol: 'http:',
        host: service.metadata.name,
        port: service.spec.ports[0]!.port,
        path: '/mcp',
      });
    }
  });

  it('accept connections on 8200 only from the gateway and the jobs worker (NetworkPolicy)', () => {
    const policies = applied.filter((o) => o.kind === 'NetworkPolicy');
    const workers = deployments.filter((d) => d.metadata.name.startsWith('mcpgw-worker-'));
    expect(workers).toHaveLength(BUILTIN_WORKERS.length);
    const policy = policies.find((p) => workers.every((w) => selects(p.spec.podSelector, podLabels(w))))!;
    expect(policy).toBeDefined();
    expect(selects(policy.spec.podSelector, podLabels(gateway))).toBe(false);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const rules = policy.spec.ingress as { from: { podSelector: LabelSelector }[]; ports: { port: number; protocol: string }[] }[];
    expect(rules.flatMap((r) => r.ports)).toEqual([{ protocol: 'TCP', port: 8200 }]);
    const sources = rules.flatMap((r) => r.from);
    const allowed = (d: DeploymentObject) => sources.some((s) => Object.keys(s).length === 1 && selects(s.podSelector, podLabels(d)));
    expect(allowed(gateway)).toBe(true);
    expect(allowed(jobsWorker)).toBe(true);
    for (const worker of workers) expect({ worker: worker.metadata.name, allowed: allowed(worker) }).toEqual({ worker: worker.metadata.name, allowed: false });
  });
});

describe('deploy/k8s: every Deployment', () => {
  it('is selected by its own pod labels, and every Service selects exactly one Deployment on its container ports', () => {
    for (const d of deployments) expect(selects(d.spec.selector, podLabels(d))).toBe(true);
    for (const service of services) {
      const targets = deployments.filter((d) => selects({ matchLabels: service.spec.selector }, podLabels(d)));
      expect({ service: service.metadata.name, targets: targets.map((d) => d.metadata.name) }).toEqual({ service: service.metadata.name, targets: [service.metadata.name] });
      for (const port of service.spec.ports) {
        expect({ service: service.metadata.name, port: port.name, target: containerPort(targets[0]!.spec.template.spec.containers[0]!, port.targetPort) }).toEqual({
          service: service.metadata.name,
          port: port.name,
          target: expect.any(Number),
        });
      }
    }
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s runs hardened: non-root uid 1000, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token, bounded resources', (_name, d) => {
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.serviceAccountName).toBe('mcp-gateway');
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      // The only writable places are emptyDirs: /tmp everywhere, /data (MCPGW_DATA_DIR) for the gateway's processes.
      const writable = (path: string) => c.volumeMounts?.some((m) => m.mountPath === path && pod.volumes?.some((v) => v.name === m.name && v.emptyDir));
      expect(writable('/tmp')).toBe(true);
      if (c.args?.[0] !== 'worker') expect(writable(configMap['MCPGW_DATA_DIR']!)).toBe(true);
    }
  });

  it('runs as the ServiceAccount, which mounts no token', () => {
    const account = find<K8sObject>('ServiceAccount', 'mcp-gateway');
    expect(account.automountServiceAccountToken).toBe(false);
  });
});

describe('deploy/k8s: ConfigMap and Secret', () => {
  const knownVariables = new Set([...GATEWAY_VARIABLES, ...COMMON_WORKER_VARIABLES, ...Object.values(WORKER_VARIABLES).flat()]);

  it('name only variables the gateway or a worker reads', () => {
    const names = [...Object.keys(configMap).map((n) => ['ConfigMap', n]), ...Object.keys(secretExample.stringData ?? {}).map((n) => ['Secret', n])];
    for (const [where, name] of names) expect({ where, name, read: knownVariables.has(name!) }).toEqual({ where, name, read: true });
  });

  it('keep secrets out of the ConfigMap', () => {
    const secretish = /(URL|SECRET|TOKEN|_KEY|PASSWORD|DATABASES)$/;
    expect(Object.keys(configMap).filter((n) => secretish.test(n) && n !== 'WORKER_URLS')).toEqual([]);
    expect(Object.keys(secretExample.stringData!)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'WORKER_AUTH_TOKEN']));
  });

  it('make a configuration the gateway accepts (with the Secret filled in)', () => {
    const env = { ...configMap, ...secretExample.stringData, WORKER_AUTH_TOKEN: randomBytes(32).toString('hex') };
    const config = loadConfig(env, REPO_ROOT);
    expect(config.workers.map((w) => w.name).sort()).toEqual(BUILTIN_WORKERS.map((w) => w.name).sort());
    // None is spawned in the gateway pod: each is reached at its Service.
    const urls = pairs(configMap['WORKER_URLS']!);
    for (const worker of config.workers) expect({ name: worker.name, url: (worker as { url?: string }).url }).toEqual({ name: worker.name, url: urls.get(worker.name) });
    expect(config.workers.filter((w) => w.required).map((w) => w.name)).toEqual(configMap['REQUIRED_WORKERS']!.split(','));
    expect(config.jobs.consumer).toBe(false);
    expect(config.auth.localhostBypass).toBe(false);
    expect(config.store.dataDir).toBe('/data');
  });

  it('ship a placeholder WORKER_AUTH_TOKEN that the gateway refuses, so an unedited example cannot run', () => {
    expect(secretExample.stringData!['WORKER_AUTH_TOKEN']!.length).toBeLessThan(32);
  });
});

describe('deploy/k8s/monitoring', () => {
  const monitoringFiles = kustomizations.get('monitoring/kustomization.yaml')!.resources.map((r) => `monitoring/${r}`);
  const monitoring = documents.filter((d) => monitoringFiles.includes(d.file)).map((d) => d.doc);

  it('holds the Prometheus-operator objects, and the base none (it applies without the CRDs)', () => {
    expect(monitoring.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    expect(applied.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
  });

  it("has a ServiceMonitor on the gateway Service's metrics port at /metrics, named like the alerts' job", () => {
    const monitor = monitoring.find((o) => o.kind === 'ServiceMonitor')!;
    const service = find<ServiceObject>('Service', 'mcp-gateway');
    expect(selects(monitor.spec.selector, service.metadata.labels!)).toBe(true);
    expect(services.filter((s) => selects(monitor.spec.selector, s.metadata.labels ?? {})).map((s) => s.metadata.name)).toEqual(['mcp-gateway']);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(service.spec.ports.map((p) => p.name)).toContain('metrics');
    // The operator's job label is the Service name: `up{job=~".*mcp-gateway.*"}` in MCPGatewayDown.
    expect(read('deploy/prometheus/alerts.yml')).toContain(`job=~".*${service.metadata.name}.*"`);
  });

  it('has a PrometheusRule with exactly the rules of deploy/prometheus/alerts.yml', () => {
    const rule = monitoring.find((o) => o.kind === 'PrometheusRule')!;
    const alerts = parseDocuments(read('deploy/prometheus/alerts.yml'), 'alerts.yml')[0] as { groups: unknown[] };
    // On a difference: copy the groups of alerts.yml into deploy/k8s/monitoring/prometheus-rule.yaml.
    expect(rule.spec.groups).toEqual(alerts.groups);
  });
});

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('deploy/k8s: the probe paths answer on a running gateway', () => {
  let gw: GatewayProcess | undefined;

  beforeAll(async () => {
    // The ConfigMap's settings, on free loopback ports, with no workers (they are other pods in the cluster).
    const own = ['HOST', 'PORT', 'METRICS_PORT', 'MCPGW_DATA_DIR', 'DATABASE_SCHEMA', 'REDIS_KEY_PREFIX', 'WORKERS', 'WORKER_URLS', 'REQUIRED_WORKERS'];
    const env = Object.fromEntries(Object.entries(configMap).filter(([name]) => !own.includes(name)));
    gw = await startGateway({ env: { ...env, WORKERS: 'none', LOG_LEVEL: 'info' } });
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
  });

  it('the gateway answers its probes with 200, without credentials (kubelet sends none; LOCALHOST_BYPASS is off)', async () => {
    const probes = [gatewayContainer.startupProbe!, gatewayContainer.livenessProbe!, gatewayContainer.readinessProbe!];
    for (const probe of probes) {
      const response = await fetch(`${gw!.url}${probe.httpGet!.path}`);
      expect({ path: probe.httpGet!.path, status: response.status }).toEqual({ path: probe.httpGet!.path, status: 200 });
    }
    // The API itself does want a credential with this configuration.
    expect((await fetch(`${gw!.url}/mcp/catalog`)).status).toBe(401);
  });

  it('the metrics server answers at the scrape path', async () => {
    const path = gateway.spec.template.metadata.annotations!['prometheus.io/path']!;
    const response = await fetch(`${gw!.metricsUrl}${path}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^# HELP mcp_/m);
  });

});

describe('deploy/k8s: the probe path answers on a running worker', () => {
  it("a worker started with its container's arguments answers its probe path with 200", async () => {
    const container = find<DeploymentObject>('Deployment', workerName('github')).spec.template.spec.containers[0]!;
    const port = await freePort();
    const args = container.args!.map((arg) => (arg === '8200' ? String(port) : arg));
    // No credentials: the worker is `unconfigured`, which is not `down`, so it is ready.
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'warn', WORKER_AUTH_TOKEN: randomBytes(32).toString('hex') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const path = container.readinessProbe!.httpGet!.path;
      let status = 0;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${stderr}`);
        status = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status, () => 0);
        return status !== 0;
      }, 20_000, `the worker on ${port}`);
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});

describe('kubectl kustomize', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });

  it.each([[K8S], [`${K8S}/monitoring`]])('renders %s where kubectl exists, into valid objects in the mcp-gateway namespace', (dir) => {
    if (kubectl.status !== 0) {
      // The one check that needs the client; every other test in this file reads the files itself.
      console.log(`kubectl is not installed here (${(kubectl.error?.message ?? kubectl.stderr).trim()}); skipped only "kubectl kustomize ${dir}"`);
      return;
    }
    const result = spawnSync('kubectl', ['kustomize', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const rendered = parseDocuments(result.stdout, `kubectl kustomize ${dir}`) as K8sObject[];
    const kustomization = dir === K8S ? 'kustomization.yaml' : 'monitoring/kustomization.yaml';
    const listed = kustomizations.get(kustomization)!.resources.map((r) => join(dirname(kustomization), r));
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      documents.filter((d) => listed.includes(d.file)).map((d) => `${d.doc.kind}/${d.doc.metadata.name}`).sort(),
    );
    for (const doc of rendered) {
      expect(() => validate(doc)).not.toThrow();
      expect(doc.metadata.labels?.['app.kubernetes.io/part-of']).toBe('mcp-gateway');
      if (doc.kind !== 'Namespace') expect({ object: `${doc.kind}/${doc.metadata.name}`, namespace: doc.metadata.namespace }).toEqual({ object: `${doc.kind}/${doc.metadata.name}`, namespace: 'mcp-gateway' });
    }
    if (dir === K8S) {
      const image = kustomizations.get('kustomization.yaml')!.images![0]!;
      const pods = rendered.filter((o): o is DeploymentObject => o.kind === 'Deployment');
      for (const d of pods) {
        expect(d.spec.template.metadata.labels['app.kubernetes.io/part-of']).toBe('mcp-gateway');
        for (const c of d.spec.template.spec.containers) expect(c.image).toBe(`${image.newName}:${image.newTag}`);
      }
    }
  });
});
