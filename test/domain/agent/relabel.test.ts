import { describe, expect, it } from 'vitest';
import {
  expandTemplate,
  relabel,
  relabelConfigSchema,
  type RelabelConfigInput,
} from '../../../src/domain/agent/relabel.js';

function rules(...configs: RelabelConfigInput[]) {
  return configs.map((config) => relabelConfigSchema.parse(config));
}

/** Applies the rules to a label set; undefined when it is dropped. */
function run(input: Record<string, string>, ...configs: RelabelConfigInput[]): Record<string, string> | undefined {
  const labels = new Map(Object.entries(input));
  return relabel(labels, rules(...configs)) ? Object.fromEntries(labels) : undefined;
}

// Each row is behaviour documented for Prometheus's <relabel_config> (configuration docs, the
// relabel_configs section) or shown by its relabel package's tests, restated as input → output.
describe('relabel actions', () => {
  const cases: [string, Record<string, string>, RelabelConfigInput[], Record<string, string> | undefined][] = [
    [
      'replace with the defaults copies the joined sources ($1 of (.*))',
      { a: 'foo', b: 'bar' },
      [{ source_labels: ['a', 'b'], target_label: 'c' }],
      { a: 'foo', b: 'bar', c: 'foo;bar' },
    ],
    [
      'replace with capture groups and a custom separator',
      { a: 'foo', b: 'bar' },
      [{ source_labels: ['a', 'b'], separator: '-', regex: '(f.*)-(b.*)', target_label: 'c', replacement: '${2}_$1' }],
      { a: 'foo', b: 'bar', c: 'bar_foo' },
    ],
    [
      'replace: no match leaves the labels alone',
      { a: 'foo' },
      [{ source_labels: ['a'], regex: 'bar', target_label: 'c', replacement: 'x' }],
      { a: 'foo' },
    ],
    [
      'replace: the regex is anchored at both ends (a substring match is no match)',
      { a: 'xfoox' },
      [{ source_labels: ['a'], regex: 'foo', target_label: 'c', replacement: 'hit' }],
      { a: 'xfoox' },
    ],
    [
      'replace: a missing source label reads as the empty string',
      { a: 'foo' },
      [{ source_labels: ['missing'], regex: '', target_label: 'c', replacement: 'empty' }],
      { a: 'foo', c: 'empty' },
    ],
    [
      'replace to the empty string removes the target label',
      { a: 'foo', c: 'old' },
      [{ source_labels: ['a'], regex: 'foo', target_label: 'c', replacement: '' }],
      { a: 'foo' },
    ],
    [
      'replace: the target label name may be built from groups',
      { a: 'some-name-value' },
      [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }],
      { a: 'some-name-value', name: 'value' },
    ],
    [
      'replace: a target that expands to an invalid name is skipped',
      { a: 'some-0-value' },
      [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }],
      { a: 'some-0-value' },
    ],
    [
      'replace: $1x names group "1x", which does not exist, so it is empty',
      { a: 'foo' },
      [{ source_labels: ['a'], regex: '(f)oo', target_label: 'c', replacement: '$1x-${1}x' }],
      { a: 'foo', c: '-fx' },
    ],
    [
      'replace: named groups, (?P<name>) and $$',
      { a: 'host-7' },
      [{ source_labels: ['a'], regex: '(?P<base>[a-z]+)-(?<n>\\d)', target_label: 'c', replacement: '$base:${n}$$' }],
      { a: 'host-7', c: 'host:7$' },
    ],
    [
      'replace: a leading (?i) makes the match case-insensitive',
      { a: 'FOO' },
      [{ source_labels: ['a'], regex: '(?i)foo', target_label: 'c', replacement: 'yes' }],
      { a: 'FOO', c: 'yes' },
    ],
    [
      'the action is read case-insensitively',
      { a: 'foo' },
      [{ source_labels: ['a'], regex: 'foo', action: 'Drop' }],
      undefined,
    ],
    ['keep: a match keeps', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], { a: 'foo' }],
    ['keep: no match drops', { a: 'foo' }, [{ source_labels: ['a'], regex: 'b.*', action: 'keep' }], undefined],
    ['drop: a match drops', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f.*', action: 'drop' }], undefined],
    ['drop: no match keeps', { a: 'foo' }, [{ source_labels: ['a'], regex: 'b.*', action: 'drop' }], { a: 'foo' }],
    [
      'keep with the default regex keeps everything, even a missing label',
      { a: 'foo' },
      [{ source_labels: ['missing'], action: 'keep' }],
      { a: 'foo' },
    ],
    [
      'keepequal keeps when the joined sources equal the target label',
      { a: 'foo', b: 'foo' },
      [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }],
      { a: 'foo', b: 'foo' },
    ],
    [
      'keepequal drops when they differ',
      { a: 'foo', b: 'bar' },
      [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }],
      undefined,
    ],
    [
      'dropequal drops when they are equal',
      { a: 'foo', b: 'foo' },
      [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }],
      undefined,
    ],
    [
      'dropequal keeps when they differ',
      { a: 'foo', b: 'bar' },
      [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }],
      { a: 'foo', b: 'bar' },
    ],
    [
      'hashmod: the last 8 bytes of the MD5 of the joined values, big-endian, modulo the modulus',
      { a: 'foo' },
      [{ source_labels: ['a'], target_label: 'shard', modulus: 1000, action: 'hashmod' }],
      { a: 'foo', shard: '696' },
    ],
    [
      'labelmap copies matching labels to new names (the originals stay)',
      { __meta_room: 'a', __meta_floor: '2', job: 'node' },
      [{ regex: '__meta_(.+)', action: 'labelmap' }],
      { __meta_room: 'a', __meta_floor: '2', job: 'node', room: 'a', floor: '2' },
    ],
    [
      'labelmap with a replacement template',
      { team_a: 'x' },
      [{ regex: 'team_(.+)', replacement: 'owner_${1}', action: 'labelmap' }],
      { team_a: 'x', owner_a: 'x' },
    ],
    [
      'labeldrop removes labels whose name matches',
      { a: '1', b1: '2', b2: '3' },
      [{ regex: 'b.', action: 'labeldrop' }],
      { a: '1' },
    ],
    [
      'labelkeep removes labels whose name does not match',
      { a: '1', b1: '2', b2: '3' },
      [{ regex: 'b.', action: 'labelkeep' }],
      { b1: '2', b2: '3' },
    ],
    [
      'lowercase',
      { a: 'AbC', b: 'DeF' },
      [{ source_labels: ['a', 'b'], target_label: 'c', action: 'lowercase' }],
      { a: 'AbC', b: 'DeF', c: 'abc;def' },
    ],
    ['uppercase', { a: 'AbC' }, [{ source_labels: ['a'], target_label: 'a', action: 'uppercase' }], { a: 'ABC' }],
    [
      "rules apply in order: a later rule sees an earlier one's label",
      { __address__: '10.0.0.1:9100' },
      [
        { source_labels: ['__address__'], regex: '([^:]+):.*', target_label: 'host' },
        { source_labels: ['host'], regex: '10\\..*', action: 'drop' },
      ],
      undefined,
    ],
    [
      'metric relabelling: drop series by name',
      { __name__: 'go_gc_duration_seconds', quantile: '0.5' },
      [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
      undefined,
    ],
  ];

  it.each(cases)('%s', (_name, input, configs, expected) => {
    expect(run(input, ...configs)).toEqual(expected);
  });
});

describe('relabel config validation', () => {
  const invalid: [string, RelabelConfigInput, string][] = [
    ['replace without target_label', { source_labels: ['a'] }, 'the replace action needs target_label'],
    [
      'hashmod without modulus',
      { source_labels: ['a'], target_label: 'b', action: 'hashmod' },
      'the hashmod action needs a modulus above 0',
    ],
    ['an unknown action', { source_labels: ['a'], action: 'rename' }, 'Invalid option'],
    ['a regex that does not compile', { source_labels: ['a'], regex: '(', action: 'keep' }, 'invalid regex'],
    [
      'labeldrop with source_labels',
      { source_labels: ['a'], regex: 'a', action: 'labeldrop' },
      'the labeldrop action takes only regex',
    ],
    [
      'keepequal with a regex',
      { source_labels: ['a'], target_label: 'b', regex: 'x', action: 'keepequal' },
      'the keepequal action takes only source_labels and target_label',
    ],
    [
      'lowercase into an invalid name',
      { source_labels: ['a'], target_label: '1a', action: 'lowercase' },
      'is not a valid label name',
    ],
    ['keep without source_labels', { regex: 'a', action: 'keep' }, 'the keep action needs source_labels'],
    ['an invalid source label name', { source_labels: ['a-b'], action: 'keep' }, 'is not a valid label name'],
    [
      'an unknown key',
      { source_labels: ['a'], action: 'keep', sourcelabels: ['x'] } as RelabelConfigInput,
      'Unrecognized key',
    ],
  ];
  it.each(invalid)('%s', (_name, config, message) => {
    const result = relabelConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.message).join('\n')).toContain(message);
  });
});

describe('expandTemplate (Go Regexp.Expand)', () => {
  const match = /^(?<word>[a-z]+)-(\d+)$/.exec('abc-42')!;
  it.each([
    ['$1', 'abc'],
    ['${2}', '42'],
    ['$2x', ''],
    ['${2}x', '42x'],
    ['$word/${word}', 'abc/abc'],
    ['$$1', '$1'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
    ['${1', '${1'],
    ['$9', ''],
    ['$01', ''],
  ])('%s → %s', (template, expected) => {
    expect(expandTemplate(template, match)).toBe(expected);
  });
});
