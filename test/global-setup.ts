import { buildCli } from '../scripts/build.js';

// End-to-end tests run the shipped bundle (dist/pflow.mjs), so build it once before any test.
export default async function setup(): Promise<void> {
  await buildCli();
}
