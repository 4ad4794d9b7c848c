import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { rtlsInputSchema } from '../../../src/domain/assets/input-settings.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('rtlsInputSchema', () => {
  it("parses the README's input examples", () => {
    const section = readme.slice(readme.indexOf('### Inputs: HTTP push and MQTT'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!.replace('${RTLS_PUSH_TOKEN}', 'x'.repeat(24));
    const inputs = (parse(yaml) as unknown[]).map((item) => rtlsInputSchema.parse(item));
    expect(inputs.map((input) => input.kind)).toEqual(['mqtt', 'http']);
    expect(inputs[0]).toMatchObject({ qos: 1, mapping: { tag: 'tagId', time_unit: 'iso8601', events: 'data.tags' } });
    expect(inputs[1]).toMatchObject({ path: '/tags', mapping: { tag: 'tag', time: 't', time_unit: 'ms' } });
  });

  it('names the field it refuses', () => {
    const result = rtlsInputSchema.safeParse({ kind: 'mqtt', url: 'http://x', topics: [], mapping: { tag: 'a..b' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'url: must be an mqtt://, mqtts://, ws:// or wss:// URL',
      'topics: Too small: expected array to have >=1 items',
      'mapping.tag: must be a dotted path of field names, e.g. position.zone',
    ]);
  });
});
