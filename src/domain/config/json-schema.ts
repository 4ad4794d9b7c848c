import * as z from 'zod';
import { deploymentConfigSchema } from './schema.js';

/**
 * The site config's JSON Schema, for editor completion (the YAML language server reads it from
 * `# yaml-language-server: $schema=./schema.json`). It describes what may be WRITTEN (the input
 * side, with defaults), not the normalised result; cross-field rules are beyond JSON Schema.
 */
export function deploymentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(deploymentConfigSchema, {
    io: 'input',
    // draft-07 is the dialect editors' YAML and JSON language servers support best.
    target: 'draft-07',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
}
