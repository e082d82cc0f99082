import { spawnSync } from 'node:child_process';
import { buildOpenApiDocument } from './openapi';

// The validator is an ES module, which Jest cannot load here; Node runs it in a child process.
const VALIDATE = `
  import { Validator } from '@seriousme/openapi-schema-validator';
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const result = await new Validator().validate(JSON.parse(input));
  process.stdout.write(JSON.stringify(result));
`;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document by the official schema', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', VALIDATE], {
      input: JSON.stringify(buildOpenApiDocument('1')),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { valid: boolean; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('resolves every $ref it uses', () => {
    const document = buildOpenApiDocument('1') as { components: { schemas: Record<string, unknown> } };
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((name) => !(name in document.components.schemas))).toEqual([]);
  });

  it('shows the staggered go-live: segments on the body, waves on the deployment, the comparison on the scorecard', () => {
    const document = buildOpenApiDocument('1') as {
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
      paths: Record<string, { post?: { summary: string } }>;
    };
    const { GoLiveBody, DeploymentDetail, Scorecard } = document.components.schemas;
    expect(GoLiveBody?.properties['segments']).toMatchObject({ type: 'array', minItems: 1, maxItems: 50, uniqueItems: true });
    expect(DeploymentDetail?.properties['waves']).toMatchObject({ type: 'array' });
    expect(Scorecard?.properties['comparison']?.['properties']).toMatchObject({
      design: expect.anything(),
      liveSegments: expect.anything(),
      comparisonSegments: expect.anything(),
      assumes: expect.anything(),
    });
    expect(document.paths['/v1/deployments/{id}/go-live']?.post?.summary).toMatch(/segments/);
  });
});
