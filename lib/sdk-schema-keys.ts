import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * The AWS SDK clients describe every operation's shapes in one generated module per client
 * (`@aws-sdk/client-<name>/dist-es/schemas/schemas_0.js`): arrays of plain data, one exported per
 * shape. Their trait objects are written with computed keys naming module constants
 * (`{ [_hH]: _xaa }`, where `const _hH = "httpHeader"`), and esbuild treats a computed key as a
 * possible side effect (it could run a `toString`), so it keeps every shape with traits whether or
 * not an operation the bundle uses reaches it: about 60 KB of S3's 65 KB of schemas in a function
 * that only puts or reads objects. Upstream knows it (aws/aws-sdk-js-v3#7607; the generator is to
 * write literal keys instead: smithy-lang/smithy-typescript#1889).
 *
 * Until a release does, the bundles do it here: each `[name]:` key whose name is a module-level
 * `const name = "…"` string becomes that string literal. The objects are the same; only esbuild's
 * view of them changes. Keys naming anything else are left alone.
 */
export function literalTraitKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const match of source.matchAll(/^const (_[A-Za-z0-9_$]+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
    strings.set(match[1]!, match[2]!);
  }
  return source.replace(/([{,]\s*)\[(_[A-Za-z0-9_$]+)\]:/g, (whole, before: string, name: string) => {
    const literal = strings.get(name);
    return literal === undefined ? whole : `${before}${literal}:`;
  });
}

/**
 * The clients whose schema modules the plugin rewrites: those where it makes every bundle smaller
 * (S3 about 58–60 KB, SES v2 45 KB, Grafana 8 KB, SQS 2 KB, DynamoDB 0.2 KB, measured on each
 * bundle). The others' bundles keep nearly all their shapes anyway (their error shapes are
 * registered when the module loads), and there a literal key is a few bytes longer than a minified
 * name: SNS would add 0.5 KB to the functions that publish, Secrets Manager and Timestream a few bytes.
 */
export const TRIMMED_CLIENTS = ['s3', 'sesv2', 'sqs', 'dynamodb', 'grafana'] as const;

/** The generated schema modules (ESM builds) of `TRIMMED_CLIENTS`, the only files the plugin touches. */
export const SDK_SCHEMA_MODULE = new RegExp(
  `[\\\\/]@aws-sdk[\\\\/]client-(?:${TRIMMED_CLIENTS.join('|')})[\\\\/]dist-es[\\\\/]schemas[\\\\/][^\\\\/]+\\.js$`,
);

/** esbuild plugin applying `literalTraitKeys` to the schema modules of `TRIMMED_CLIENTS`. */
export const sdkSchemaKeysPlugin: Plugin = {
  name: 'pflow-sdk-schema-keys',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_MODULE }, async (args) => ({
      contents: literalTraitKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
