import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS } from '../../../src/channels/settings.js';
import { renderJsonSchema } from '../../../src/cli/schema.js';
import { deploymentJsonSchema } from '../../../src/domain/config/json-schema.js';
import { PROBE_KINDS } from '../../../src/probes/settings.js';

const COMMITTED = join(import.meta.dirname, '../../../config/schema.json');

interface JsonSchemaNode {
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly items?: JsonSchemaNode;
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly const?: unknown;
  readonly additionalProperties?: unknown;
  readonly default?: unknown;
  readonly required?: readonly string[];
}

describe('the JSON Schema for editors', () => {
  const schema = deploymentJsonSchema() as JsonSchemaNode;

  it('is committed as config/schema.json and up to date', () => {
    // Compared as data, so prettier may lay the file out as it likes.
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(
      committed,
      'config/schema.json is stale: regenerate it with `npm run pflow -- schema > config/schema.json && npx prettier --write config/schema.json`',
    ).toEqual(schema);
    expect(JSON.parse(renderJsonSchema())).toEqual(schema);
  });

  it('describes the input side: strict objects, duration strings with their defaults, required keys', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['version', 'sites']);
    expect(schema.properties!.defaults!.properties!.probe_interval).toMatchObject({ type: 'string', default: '30s' });
    const rule = schema.properties!.rule_groups!.items!.properties!.rules!.items!;
    expect(rule.additionalProperties).toBe(false);
    expect(rule.properties!.for).toMatchObject({ type: 'string', default: '0s' });
    expect(rule.required).toEqual(['id', 'measure', 'threshold']);
  });

  it('offers one probe and one channel form per registered kind, each with its own block', () => {
    const probeForms = schema.properties!.probes!.items!.oneOf!;
    expect(probeForms.map((form) => form.properties!.kind!.const)).toEqual(PROBE_KINDS);
    for (const form of probeForms) expect(Object.keys(form.properties!)).toContain(form.properties!.kind!.const);
    const channelForms = schema.properties!.channels!.items!.oneOf!;
    expect(channelForms.map((form) => form.properties!.kind!.const)).toEqual(CHANNEL_KINDS);
  });
});
