import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { startS3Local } from '../support/s3-local.js';
import {
  literalTraitKeys,
  sdkSchemaKeysPlugin,
  SDK_SCHEMA_MODULE,
  TRIMMED_CLIENTS,
} from '../../lib/sdk-schema-keys.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pflow-schema-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every SDK client the project depends on, and its generated schema module. */
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const require = createRequire(join(ROOT, 'package.json'));
const clients = Object.keys(pkg.dependencies)
  .filter((name) => name.startsWith('@aws-sdk/client-'))
  .map((name) => ({
    name,
    schemas: join(dirname(require.resolve(`${name}/package.json`)), 'dist-es/schemas/schemas_0.js'),
  }));

/** `contents` bundles that text as `entry`; minified only then (unminified, class names stay comparable). */
async function bundle(entry: string, name: string, plugins: Plugin[], contents?: string) {
  const outfile = join(dir, `${name}.mjs`);
  const result = await build({
    ...(contents === undefined
      ? { entryPoints: [entry] }
      : { stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: entry } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The ESM builds, as the Lambda bundles take them (lib/function-bundling.ts).
    mainFields: ['module', 'main'],
    minify: contents !== undefined,
    outfile,
    plugins,
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, metafile: result.metafile };
}

/**
 * A module's exports as plain data: the shape arrays and trait objects as they are, a lazy
 * reference (`() => Shape$`) by what it returns, a class by its name, a repeated object by the
 * order it was first met — so two builds compare equal exactly when they describe the same shapes.
 */
function shapeOf(value: unknown, seen = new Map<object, number>()): unknown {
  if (typeof value === 'function') {
    if (/^class\b/.test(Function.prototype.toString.call(value))) return `class ${value.name}`;
    return value.length === 0 ? { returns: shapeOf((value as () => unknown)(), seen) } : `function ${value.name}`;
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return { seen: seen.get(value) };
  seen.set(value, seen.size);
  if (Array.isArray(value)) return value.map((item) => shapeOf(item, seen));
  if (value instanceof Map) return { map: [...value.entries()].map((entry) => shapeOf(entry, seen)) };
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item, seen)]));
}

describe('literalTraitKeys', () => {
  it('writes a computed key naming a module-level string constant as that string, and leaves other keys alone', () => {
    const source = [
      'const _hH = "httpHeader";',
      'const _e = "error";',
      'let _m = "mutable";',
      'export var A$ = [3, n0, _A, { [_e]: _c, [_hH]: 400 }, [], []];',
      'export var B$ = [0, { [_m]: 1, [_unknown]: 2, [other]: 3 }];',
    ].join('\n');
    expect(literalTraitKeys(source).split('\n').slice(3)).toEqual([
      'export var A$ = [3, n0, _A, { "error": _c, "httpHeader": 400 }, [], []];',
      'export var B$ = [0, { [_m]: 1, [_unknown]: 2, [other]: 3 }];',
    ]);
  });

  it.each(clients)(
    'leaves $name with no computed trait key, and its shapes exactly as they were',
    async ({ name, schemas }) => {
      const source = readFileSync(schemas, 'utf8');
      expect(literalTraitKeys(source)).not.toMatch(/\[_[A-Za-z0-9_$]+\]:/);
      const id = name.replace(/\W/g, '-');
      const before = await bundle(schemas, `${id}-before`, []);
      // The plugin touches only TRIMMED_CLIENTS; the rewrite itself is checked on every client.
      const rewrite: Plugin = {
        name: 'rewrite',
        setup: (b) =>
          b.onLoad({ filter: /schemas_0\.js$/ }, (args) =>
            args.path === schemas ? { contents: literalTraitKeys(source) } : undefined,
          ),
      };
      const after = await bundle(schemas, `${id}-after`, [rewrite]);
      const original = (await import(pathToFileURL(before.outfile).href)) as Record<string, unknown>;
      const rewritten = (await import(pathToFileURL(after.outfile).href)) as Record<string, unknown>;
      expect(Object.keys(rewritten).sort()).toEqual(Object.keys(original).sort());
      expect(Object.keys(original).length).toBeGreaterThan(10);
      for (const key of Object.keys(original)) expect(shapeOf(rewritten[key]), key).toEqual(shapeOf(original[key]));
    },
  );

  it('applies to the clients where it pays, and to no other', () => {
    const trimmed = clients.filter(({ schemas }) => SDK_SCHEMA_MODULE.test(schemas)).map(({ name }) => name);
    expect(trimmed.sort()).toEqual(TRIMMED_CLIENTS.map((client) => `@aws-sdk/client-${client}`).sort());
  });

  it("lets esbuild drop the shapes a bundle never reaches: S3's PutObject alone keeps a fraction of the schemas", async () => {
    const entry = `import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
      export const put = () => new S3Client({}).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));`;
    const schemaBytes = (metafile: Awaited<ReturnType<typeof bundle>>['metafile']) =>
      Object.values(metafile.outputs)
        .flatMap((output) => Object.entries(output.inputs))
        .filter(([path]) => /client-s3\/dist-es\/schemas\//.test(path))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    const without = schemaBytes((await bundle('put.ts', 'put-before', [], entry)).metafile);
    const withPlugin = schemaBytes((await bundle('put.ts', 'put-after', [sdkSchemaKeysPlugin], entry)).metafile);
    expect(without).toBeGreaterThan(50 * 1024);
    expect(withPlugin).toBeLessThan(without / 4);
  });
  it("sends the same S3 requests and reads the same answers as the SDK's own schemas (put, list, get against s3rver)", async () => {
    // The calls the functions make: the log drop's put (conditional, encrypted), the ingest
    // function's list and get, each bundled with and without the plugin.
    const entry = `import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
      export async function run(endpoint, Bucket) {
        const s3 = new S3Client({ endpoint, region: 'eu-central-1', forcePathStyle: true, maxAttempts: 1,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
        const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'logdrop/site-a/1.jsonl', Body: '{"id":1}\\n',
          ContentType: 'application/x-ndjson', IfNoneMatch: '*', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/pflow' }));
        const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'logdrop/', MaxKeys: 10 }));
        const get = await s3.send(new GetObjectCommand({ Bucket, Key: 'logdrop/site-a/1.jsonl' }));
        return { put: put.ETag, keys: list.Contents?.map((c) => [c.Key, c.Size]), truncated: list.IsTruncated,
          body: await get.Body.transformToString(), type: get.ContentType };
      }`;
    const s3 = await startS3Local({ buckets: ['before', 'after'] });
    try {
      const seen: Record<string, unknown> = {};
      for (const [name, plugins] of [
        ['before', []],
        ['after', [sdkSchemaKeysPlugin]],
      ] as const) {
        const { outfile } = await bundle('s3-calls.ts', `s3-calls-${name}`, [...plugins], entry);
        const { run } = (await import(pathToFileURL(outfile).href)) as {
          run: (endpoint: string, bucket: string) => Promise<unknown>;
        };
        const from = s3.requests.length;
        const answers = await run(s3.endpoint, name);
        // What identifies the request, not when or by which invocation it was sent.
        const requests = s3.requests.slice(from).map(({ method, path, headers }) => ({
          method,
          path: path.replace(`/${name}`, '/<bucket>'),
          headers: Object.fromEntries(
            Object.entries(headers).filter(
              ([key]) => !['authorization', 'x-amz-date', 'amz-sdk-invocation-id', 'host'].includes(key),
            ),
          ),
        }));
        seen[name] = { answers, requests };
      }
      expect(seen.before).toMatchObject({
        answers: {
          keys: [['logdrop/site-a/1.jsonl', 9]],
          truncated: false,
          body: '{"id":1}\n',
          type: 'application/x-ndjson',
        },
      });
      expect(seen.after).toEqual(seen.before);
      expect(JSON.stringify(seen.before)).toContain('"if-none-match":"*"');
      expect(JSON.stringify(seen.before)).toContain('"x-amz-server-side-encryption-aws-kms-key-id":"alias/pflow"');
    } finally {
      await s3.close();
    }
  });
});
