import { configSchemaFingerprint } from '../../lib/config-fingerprint.js';
import { bundleConfigDocument } from '../../src/domain/config/deploy.js';

/**
 * A config document (the YAML's shape, as a value) as synth writes it for the functions
 * (PFLOW_CONFIG_FILE): validated, normalised, `${NAME}` kept, stamped with the schema's fingerprint.
 */
export function bundledConfig(document: unknown): string {
  return bundleConfigDocument(document, 'test config', configSchemaFingerprint());
}
