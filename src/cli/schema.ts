import { deploymentJsonSchema } from '../domain/config/json-schema.js';

/** The site config's JSON Schema as committed in config/schema.json (stable key order, 2-space indent). */
export function renderJsonSchema(): string {
  return `${JSON.stringify(deploymentJsonSchema(), null, 2)}\n`;
}

/** `pflow schema`: prints the JSON Schema, e.g. `pflow schema > config/schema.json`. */
export function runSchema(out: { stdout(text: string): void }): number {
  out.stdout(renderJsonSchema());
  return 0;
}
