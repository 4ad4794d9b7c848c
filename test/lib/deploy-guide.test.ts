import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigForDeployment } from '../../src/domain/config/deploy.js';
import { configSchemaFingerprint } from '../../lib/config-fingerprint.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'config/aws-example.yaml');

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}

let outdir: string;
let template: Template;
let assets: { files: Record<string, { source: { path: string } }> };

/**
 * One real `cdk synth` of config/aws-example.yaml through bin/app.ts, the deploy path: every
 * function bundled by NodejsFunction with the local esbuild (no Docker, no network), cdk-nag run.
 */
beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'pflow-synth-'));
  await run('npx', ['tsx', 'bin/app.ts'], {
    cwd: ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: EXAMPLE }), CDK_OUTDIR: outdir },
    maxBuffer: 16 * 1024 * 1024,
  });
  template = JSON.parse(readFileSync(join(outdir, 'PerformanceFlow.template.json'), 'utf8')) as Template;
  assets = JSON.parse(readFileSync(join(outdir, 'PerformanceFlow.assets.json'), 'utf8')) as typeof assets;
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('cdk synth of config/aws-example.yaml with bundling', () => {
  it('bundles every function into an asset holding the minified handler, its source map and the validated config with ${NAME} kept', () => {
    const bundledConfig = parseConfigForDeployment(readFileSync(EXAMPLE, 'utf8'), EXAMPLE).bundledConfig(
      configSchemaFingerprint(),
    );
    const functions = ofType('AWS::Lambda::Function');
    // probe, rule, meta-alarm, four deliver functions, the Grafana provisioner, ingest and its
    // authorizer, and the lifecycle API and escalation functions
    expect(functions).toHaveLength(12);
    for (const [id, fn] of functions) {
      const code = fn.Properties!.Code as { S3Key: string };
      const hash = code.S3Key.replace(/\.zip$/, '');
      const dir = join(outdir, assets.files[hash]!.source.path);
      expect({ id, handler: fn.Properties!.Handler, runtime: fn.Properties!.Runtime }).toEqual({
        id,
        handler: 'index.handler',
        runtime: 'nodejs24.x',
      });
      expect(statSync(join(dir, 'index.mjs')).size).toBeGreaterThan(100_000);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      const bundled = readFileSync(join(dir, 'pflow-config.json'), 'utf8');
      expect(bundled).toBe(bundledConfig);
      expect(bundled).toContain('${SLACK_WEBHOOK_URL}');
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('secret.invalid');
    }
  });

  it('finishes with no failing validation plugin (a cdk-nag finding without an acknowledgement fails the synth itself)', () => {
    // The report lists only plugins with something to say; a clean AwsSolutions/HIPAA run is absent from it.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string }[];
    };
    for (const plugin of report.pluginReports) expect(plugin).toMatchObject({ conclusion: 'success' });
  });
});

describe("the README's deploy guide matches what config/aws-example.yaml deploys", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Deploying to AWS');
  const guide = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('names the metric-store choice first, with the Timestream cut-off date', () => {
    expect(start).toBeGreaterThan(0);
    const firstParagraph = guide.split('\n\n')[1]!;
    expect(firstParagraph).toContain('2025-06-20');
    expect(firstParagraph).toContain('`storage.metrics.backend: amp`');
  });

  it('fills exactly the secrets the stack creates', () => {
    const inGuide = [...guide.matchAll(/--secret-id (\S+)/g)].map((m) => m[1]).sort();
    const inTemplate = ofType('AWS::SecretsManager::Secret')
      .map(([, r]) => r.Properties!.Name)
      .sort();
    expect(inGuide).toEqual(inTemplate);
  });

  it('lists every stack output, and every output it uses exists', () => {
    const rows = [...guide.matchAll(/^\| `([A-Za-z<>]+)` +\| (.*)\|$/gm)].map((m) => ({ name: m[1]!, what: m[2]! }));
    const patterns = rows
      .filter((row) => row.name.startsWith('Metrics') || /^[A-Z]/.test(row.name))
      .map((row) => ({ ...row, pattern: new RegExp(`^${row.name.replace(/<[a-z]+>/g, '[A-Za-z0-9]+')}$`) }));
    const outputs = Object.keys(template.Outputs);
    for (const output of outputs)
      expect(
        patterns.some((p) => p.pattern.test(output)),
        output,
      ).toBe(true);
    for (const row of patterns.filter(
      (p) => !p.name.includes('<') && !p.what.startsWith('`timestream`') && !p.what.startsWith('with an `assets:`'),
    )) {
      expect(outputs, row.name).toContain(row.name);
    }
    const used = [...guide.matchAll(/<((?:ChannelTopic|DeadLetters)[A-Za-z0-9]+)>|OutputKey=='([A-Za-z]+)'/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect(used.length).toBeGreaterThanOrEqual(3);
    for (const name of used) expect(outputs).toContain(name);
  });

  it('tests every channel of the config', () => {
    const { config } = parseConfigForDeployment(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    const loop = /for channel in ([^;]+); do/.exec(guide)![1]!.trim().split(/\s+/);
    expect(loop).toEqual(config.channels.map((channel) => channel.id));
  });

  it('says which resource types tearing down keeps, and those are exactly the retained ones', () => {
    const section = guide.slice(guide.indexOf('### Tearing down'), guide.indexOf('### IAM'));
    const named = [...section.matchAll(/^\| `(AWS::[A-Za-z0-9:]+)`/gm)].map((m) => m[1]).sort();
    const retained = [
      ...new Set(
        Object.values(template.Resources)
          .filter((r) => r.DeletionPolicy === 'Retain')
          .map((r) => r.Type),
      ),
    ].sort();
    expect(named).toEqual(retained);
  });
});
