import { bundleLambda } from '../lib/function-bundling.js';

/**
 * Bundles one function for synth: `tsx scripts/bundle-lambda.ts <entry> <outfile> <defines JSON>`.
 * lib/function-code.ts runs it from CDK's local bundling, which must finish synchronously, while
 * esbuild runs plugins only in its asynchronous API: a child process bridges the two, as the
 * esbuild command `NodejsFunction` spawns did.
 */
const [entry, outfile, define] = process.argv.slice(2);
if (entry === undefined || outfile === undefined || define === undefined) {
  process.stderr.write('usage: tsx scripts/bundle-lambda.ts <entry> <outfile> <defines as JSON>\n');
  process.exit(2);
}
await bundleLambda({ entry, outfile, define: JSON.parse(define) as Record<string, string> });
