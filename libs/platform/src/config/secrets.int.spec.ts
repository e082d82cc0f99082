import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfiguration } from './configuration';
import { resolveSecrets } from './secrets';

describe('generated secrets', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'baseliner-secrets-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are generated once with mode 0600, then read back unchanged', () => {
    const config = loadConfiguration({ BASELINER_DATA_DIR: dataDir });
    const first = resolveSecrets(config);
    expect(first.adminTokenGenerated).toBe(true);
    expect(statSync(first.adminTokenPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secrets', 'actor-key')).mode & 0o777).toBe(0o600);
    const second = resolveSecrets(config);
    expect(second).toMatchObject({ adminToken: first.adminToken, actorKey: first.actorKey, adminTokenGenerated: false });
    expect(readFileSync(first.adminTokenPath, 'utf8').trim()).toBe(first.adminToken);
  });

  it('come from the environment when set, and nothing is written for them', () => {
    const config = loadConfiguration({ BASELINER_DATA_DIR: dataDir, BASELINER_ADMIN_TOKEN: 'x'.repeat(32), BASELINER_ACTOR_KEY: 'k'.repeat(32) });
    expect(resolveSecrets(config)).toMatchObject({ adminToken: 'x'.repeat(32), actorKey: 'k'.repeat(32), adminTokenGenerated: false });
  });

  it('refuse to start on an empty secret file, naming the variable, instead of inventing a new key', () => {
    mkdirSync(join(dataDir, 'secrets'), { recursive: true });
    writeFileSync(join(dataDir, 'secrets', 'actor-key'), '');
    const config = loadConfiguration({ BASELINER_DATA_DIR: dataDir });
    expect(() => resolveSecrets(config)).toThrow(ConfigurationError);
    expect(() => resolveSecrets(config)).toThrow(/^BASELINER_ACTOR_KEY: .*empty/);
  });
});
