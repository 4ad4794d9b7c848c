import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition, type ParseResult, type ParsedPage } from '../../../src/domain/exposition/index.js';

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

function parsed(result: ParseResult): ParsedPage {
  if (!result.ok) throw new Error(`expected the page to parse: ${JSON.stringify(result.errors)}`);
  return result;
}

/** Each sample as [line, name, labels, value, timestamp, family name, family type]. */
function rows(page: ParsedPage) {
  return Array.from({ length: page.size }, (_, i) => {
    const s = page.sample(i);
    return [s.line, s.name, s.labels, s.value, s.timestamp, s.family.name, s.family.type];
  });
}

describe('Prometheus text 0.0.4', () => {
  it('reads every feature of the hand-written page, with line numbers', () => {
    const page = parsed(parseExposition(fixture('text-features.prom'), { contentType: TEXT }));

    expect(page.format).toBe('prometheus-text');
    expect(rows(page)).toEqual([
      [
        4,
        'ward_monitor_alarms_total',
        ['ward', 'icu', 'bed', '3'],
        17,
        undefined,
        'ward_monitor_alarms_total',
        'counter',
      ],
      [
        5,
        'ward_monitor_alarms_total',
        ['ward', 'icu', 'bed', '4'],
        0,
        1764580000000,
        'ward_monitor_alarms_total',
        'counter',
      ],
      [9, 'hl7_queue_depth', ['queue', 'adt'], 42, undefined, 'hl7_queue_depth', 'gauge'],
      [10, 'hl7_queue_depth', ['queue', 'orm'], -350, 1764580000123, 'hl7_queue_depth', 'gauge'],
      [11, 'hl7_queue_depth', ['queue', 'oru'], 7, undefined, 'hl7_queue_depth', 'gauge'],
      [12, 'hl7_queue_depth', ['queue', 'mdm'], NaN, undefined, 'hl7_queue_depth', 'gauge'],
      [
        13,
        'hl7_last_message_path',
        ['path', 'C:\\HL7\\in\\adt.hl7', 'note', 'line one\nline "two"'],
        1,
        undefined,
        'hl7_last_message_path',
        'untyped',
      ],
      [14, 'sensor_reading', ['kind', 'upper'], Infinity, undefined, 'sensor_reading', 'untyped'],
      [15, 'sensor_reading', ['kind', 'lower'], -Infinity, undefined, 'sensor_reading', 'untyped'],
      [16, 'sensor_reading', [], 0.5, undefined, 'sensor_reading', 'untyped'],
      [17, 'untyped_thing', [], 12, undefined, 'untyped_thing', 'untyped'],
      [19, 'rtls_tag_latency_seconds_bucket', ['le', '0.1'], 3, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [20, 'rtls_tag_latency_seconds_bucket', ['le', '0.5'], 8, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [21, 'rtls_tag_latency_seconds_bucket', ['le', '+Inf'], 9, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [22, 'rtls_tag_latency_seconds_sum', [], 2.25, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [23, 'rtls_tag_latency_seconds_count', [], 9, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [25, 'db_query_seconds', ['db', 'pacs', 'quantile', '0.5'], 0.012, undefined, 'db_query_seconds', 'summary'],
      [26, 'db_query_seconds', ['db', 'pacs', 'quantile', '0.99'], NaN, undefined, 'db_query_seconds', 'summary'],
      [27, 'db_query_seconds_sum', ['db', 'pacs'], 41.5, undefined, 'db_query_seconds', 'summary'],
      [28, 'db_query_seconds_count', ['db', 'pacs'], 3000, undefined, 'db_query_seconds', 'summary'],
    ]);
    expect(page.families.get('ward_monitor_alarms_total')?.help).toBe(
      'Alarms raised by bedside monitors.\nA second help line with a backslash \\ in it.',
    );
    expect(page.warnings).toEqual([]);
  });

  it('stores each distinct string once and the columns by index', () => {
    const page = parsed(parseExposition('up{job="a"} 1\nup{job="b"} 0\nup{job="a",x="up"} 1 5\n'));

    expect(page.symbols).toEqual(['up', 'job', 'a', 'b', 'x']);
    expect([...page.nameIds]).toEqual([0, 0, 0]);
    expect([...page.labelStart]).toEqual([0, 2, 4, 8]);
    expect([...page.labelIds]).toEqual([1, 2, 1, 3, 1, 2, 4, 0]);
    expect([...page.values]).toEqual([1, 0, 1]);
    expect([...page.timestamps]).toEqual([NaN, NaN, 5]);
    expect([...page.lines]).toEqual([1, 2, 3]);
    expect(page.familyList[page.familyIds[2]!]).toEqual({
      name: 'up',
      type: 'untyped',
      help: undefined,
      unit: undefined,
    });
  });

  it('reads bytes as UTF-8 exactly as it reads the string', () => {
    const text = 'temp{room="Überwachung-3",label="💉"} 21.5\n';
    expect(rows(parsed(parseExposition(new TextEncoder().encode(text))))).toEqual(rows(parsed(parseExposition(text))));
  });

  it('accepts a last line without its newline and a page with no samples', () => {
    expect(parsed(parseExposition('a 1\nb 2')).size).toBe(2);
    expect(parsed(parseExposition('')).size).toBe(0);
    expect(parsed(parseExposition('# only a comment\n\n')).size).toBe(0);
  });

  it('keeps a backslash before any other character as written, as Prometheus does', () => {
    expect(parsed(parseExposition('a{path="C:\\temp"} 1\n')).sample(0).labels).toEqual(['path', 'C:\\temp']);
  });
});

describe('OpenMetrics 1.0', () => {
  it('reads every feature of the hand-written page: UNIT, _total/_created, gauge histograms, info, stateset, exemplars', () => {
    const page = parsed(parseExposition(fixture('openmetrics-features.txt'), { contentType: OPENMETRICS }));

    expect(page.format).toBe('openmetrics');
    expect(rows(page)).toEqual([
      [3, 'ward_monitor_alarms_total', ['ward', 'icu'], 17, 1764580000500, 'ward_monitor_alarms', 'counter'],
      [4, 'ward_monitor_alarms_created', ['ward', 'icu'], 1764500000.25, undefined, 'ward_monitor_alarms', 'counter'],
      [5, 'ward_monitor_alarms_total', ['ward', 'nicu'], 2, undefined, 'ward_monitor_alarms', 'counter'],
      [
        8,
        'infusion_pump_temperature_celsius',
        ['pump', 'p-7'],
        36.6,
        undefined,
        'infusion_pump_temperature_celsius',
        'gauge',
      ],
      [11, 'rtls_tag_latency_seconds_bucket', ['le', '0.1'], 3, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [12, 'rtls_tag_latency_seconds_bucket', ['le', '+Inf'], 9, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [13, 'rtls_tag_latency_seconds_sum', [], 2.25, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [14, 'rtls_tag_latency_seconds_count', [], 9, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [15, 'rtls_tag_latency_seconds_created', [], 1764500000, undefined, 'rtls_tag_latency_seconds', 'histogram'],
      [17, 'bed_occupancy_bucket', ['le', '1.0'], 20, undefined, 'bed_occupancy', 'gaugehistogram'],
      [18, 'bed_occupancy_bucket', ['le', '+Inf'], 24, undefined, 'bed_occupancy', 'gaugehistogram'],
      [19, 'bed_occupancy_gsum', [], 31, undefined, 'bed_occupancy', 'gaugehistogram'],
      [20, 'bed_occupancy_gcount', [], 24, undefined, 'bed_occupancy', 'gaugehistogram'],
      [22, 'db_query_seconds', ['quantile', '0.9'], 0.02, undefined, 'db_query_seconds', 'summary'],
      [23, 'db_query_seconds_sum', [], 41.5, undefined, 'db_query_seconds', 'summary'],
      [24, 'db_query_seconds_count', [], 3000, undefined, 'db_query_seconds', 'summary'],
      [25, 'db_query_seconds_created', [], 1764500000.001, undefined, 'db_query_seconds', 'summary'],
      [27, 'agent_build_info', ['version', '1.2.3'], 1, undefined, 'agent_build', 'info'],
      [29, 'pump_state', ['pump_state', 'running'], 1, undefined, 'pump_state', 'stateset'],
      [30, 'pump_state', ['pump_state', 'alarm'], 0, undefined, 'pump_state', 'stateset'],
      [32, 'legacy_thing', [], NaN, undefined, 'legacy_thing', 'unknown'],
      [33, 'untyped_in_openmetrics', [], 1, undefined, 'untyped_in_openmetrics', 'unknown'],
    ]);
    expect(page.exemplarsIgnored).toBe(2);
    expect(page.families.get('ward_monitor_alarms')?.help).toBe(
      'Alarms raised by bedside monitors, with "quotes" and a \\ backslash.',
    );
    expect(page.families.get('rtls_tag_latency_seconds')?.unit).toBe('seconds');
    expect(page.warnings).toEqual([]);
  });

  it('converts second timestamps to whole milliseconds from the digits', () => {
    const page = parsed(
      parseExposition('a 1 1520879607.789\nb 1 1520879607\nc 1 1520879607.0005\nd 1 -1.5\ne 1 1.5e3\n# EOF\n', {
        contentType: OPENMETRICS,
      }),
    );
    expect([...page.timestamps]).toEqual([1520879607789, 1520879607000, 1520879607001, -1500, 1500000]);
  });

  it('accepts "# EOF" without a final newline', () => {
    expect(parsed(parseExposition('a 1\n# EOF', { contentType: OPENMETRICS })).size).toBe(1);
  });
});

interface ErrorCase {
  readonly name: string;
  readonly contentType?: string;
  readonly page: string;
  readonly errors: readonly [line: number, message: string][];
}

/** Each page fails as a whole; every error is listed with its line and a message naming the problem. */
const ERROR_CASES: readonly ErrorCase[] = [
  {
    name: 'label value without its closing quote',
    page: 'ok 1\nbad{ward="icu} 1\n',
    errors: [[2, 'the value of label ward has no closing quote']],
  },
  {
    name: 'no value',
    page: '# TYPE a gauge\na{x="1"}\n',
    errors: [[2, 'the line ends where a space then a value was expected']],
  },
  { name: 'a value that is not a float', page: 'a 1\na{x="2"} twelve\n', errors: [[2, 'invalid value "twelve"']] },
  {
    name: 'a fractional timestamp in Prometheus text',
    page: 'a 1 1.5\n',
    errors: [[1, 'invalid timestamp "1.5" (Prometheus text timestamps are integer milliseconds)']],
  },
  { name: 'text after the timestamp', page: 'a 1 2 3\n', errors: [[1, 'unexpected "3" after the timestamp']] },
  {
    name: 'an unknown type',
    page: '\n# TYPE a gauges\na 1\n',
    errors: [[2, 'unknown metric type "gauges" in # TYPE a']],
  },
  { name: 'a label twice', page: 'a{x="1",x="2"} 1\n', errors: [[1, 'label x appears twice in one sample']] },
  {
    name: 'an OpenMetrics histogram bucket without le',
    contentType: OPENMETRICS,
    page: '# TYPE h histogram\nh_bucket{x="1"} 1\nh_count 1\n# EOF\n',
    errors: [[2, 'histogram bucket h_bucket has no le label']],
  },
  {
    name: 'an le that is not a float',
    page: '# TYPE h histogram\nh_bucket{le="big"} 1\n',
    errors: [[2, 'label le="big" of h_bucket is not a float']],
  },
  {
    name: 'a quantile that is not a float',
    page: '# TYPE s summary\ns{quantile="p99"} 1\n',
    errors: [[2, 'label quantile="p99" of s is not a float']],
  },
  { name: 'CRLF line endings', page: 'a 1\r\n', errors: [[1, 'carriage return at the end of the line']] },
  {
    name: 'a quoted UTF-8 metric name',
    page: '{"ward.beds"} 1\n',
    errors: [[1, 'no metric name before "{" (quoted UTF-8 metric names belong to newer format versions']],
  },
  {
    name: 'a label name starting with a digit',
    page: 'a{1x="1"} 1\n',
    errors: [[1, 'expected a label name, found "1x=\\"1\\"} 1"']],
  },
  { name: '__name__ among the labels', page: 'a{__name__="b"} 1\n', errors: [[1, 'label __name__ in a label set']] },
  {
    name: 'several malformed lines: all listed',
    page: 'good 1\nbad{ 1\ngood 2\nalso bad\n',
    errors: [
      [2, 'expected a label name, found "1"'],
      [4, 'invalid value "bad"'],
    ],
  },
  {
    name: 'OpenMetrics without # EOF',
    contentType: OPENMETRICS,
    page: 'a 1\nb 2\n',
    errors: [[3, 'missing "# EOF"']],
  },
  {
    name: 'OpenMetrics with content after # EOF',
    contentType: OPENMETRICS,
    page: 'a 1\n# EOF\nb 2\n',
    errors: [[3, 'content after "# EOF"']],
  },
  {
    name: 'OpenMetrics with an empty line',
    contentType: OPENMETRICS,
    page: 'a 1\n\nb 1\n# EOF\n',
    errors: [[2, 'empty line']],
  },
  {
    name: 'OpenMetrics with a plain comment',
    contentType: OPENMETRICS,
    page: '# a comment\na 1\n# EOF\n',
    errors: [[1, 'OpenMetrics allows no comments']],
  },
  {
    name: 'OpenMetrics with two spaces',
    contentType: OPENMETRICS,
    page: 'a  1\n# EOF\n',
    errors: [[1, 'more than one space between tokens']],
  },
  {
    name: 'OpenMetrics with a trailing comma',
    contentType: OPENMETRICS,
    page: 'a{x="1",} 1\n# EOF\n',
    errors: [[1, 'a comma before "}"']],
  },
  {
    name: 'OpenMetrics with a unit that is not the name suffix',
    contentType: OPENMETRICS,
    page: '# TYPE pump_temp gauge\n# UNIT pump_temp celsius\npump_temp 1\n# EOF\n',
    errors: [[2, 'unit celsius is not a suffix of the metric name pump_temp']],
  },
  {
    name: 'OpenMetrics exemplar without a value',
    contentType: OPENMETRICS,
    page: '# TYPE c counter\nc_total 1 # {trace_id="x"}\n# EOF\n',
    errors: [[2, 'the line ends where a space then the exemplar value was expected']],
  },
  {
    name: 'OpenMetrics timestamp that is not a number',
    contentType: OPENMETRICS,
    page: 'a 1 NaN\n# EOF\n',
    errors: [[1, 'invalid timestamp "NaN" (OpenMetrics timestamps are seconds']],
  },
  {
    name: 'Prometheus text that is really OpenMetrics (exemplar)',
    page: 'c_total 1 # {trace_id="x"} 1\n',
    errors: [[1, 'invalid timestamp "#"']],
  },
];

describe('malformed pages fail as a whole, every error with its line', () => {
  it.each(ERROR_CASES)('$name', ({ page, contentType, errors }) => {
    const result = parseExposition(page, { contentType: contentType ?? TEXT });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual(errors.map(([line]) => line));
    result.errors.forEach((error, i) => expect(error.message).toContain(errors[i]![1]));
    expect(result).not.toHaveProperty('size');
  });

  it('names the line of bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('a 1\nb{x="'),
      0xc3,
      0x28,
      ...new TextEncoder().encode('"} 1\n'),
    ]);
    const result = parseExposition(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ line: 2, message: 'the page is not valid UTF-8' }]);
  });

  it('lists at most maxProblems errors and counts the rest', () => {
    const result = parseExposition('x\n'.repeat(50), { maxProblems: 3 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(result.errorsOmitted).toBe(1);
  });

  it('stops at the sample cap with an error saying so', () => {
    const result = parseExposition('a 1\nb 1\nc 1\nd 1\n', { maxSamples: 2 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.sampleLimitExceeded).toBe(true);
    expect(result.errors).toEqual([
      { line: 3, message: 'more than 2 samples: the sample limit is exceeded, the scrape fails' },
    ]);
    expect(parsed(parseExposition('a 1\nb 1\n', { maxSamples: 2 })).size).toBe(2);
  });
});

describe('what Prometheus accepts but the formats forbid: warnings, never a failed scrape', () => {
  it('drops a duplicate series (labels in any order), keeping the first, and says where both are', () => {
    const page = parsed(parseExposition('a{x="1",y="2"} 1\nb 1\na{y="2",x="1"} 2\na{x="1"} 3\n'));

    expect(rows(page).map((r) => [r[0], r[3]])).toEqual([
      [1, 1],
      [2, 1],
      [4, 3],
    ]);
    expect(page.warnings).toContainEqual({
      line: 3,
      message: 'duplicate series a{y="2",x="1"} (first at line 1); this sample is dropped',
    });
  });

  it('keeps the same series at two explicit timestamps', () => {
    const page = parsed(parseExposition('a 1 1000\na 2 2000\na 3 2000\n'));
    expect([...page.values]).toEqual([1, 2]);
    expect(page.warnings.map((w) => w.line)).toEqual([3]);
  });

  it('warns once about a family split by another, and about a second or late # TYPE', () => {
    const page = parsed(parseExposition('# TYPE a gauge\na{x="1"} 1\nb 1\na{x="2"} 2\na{x="3"} 3\n# TYPE a counter\n'));

    expect(page.size).toBe(4);
    expect(page.warnings).toEqual([
      {
        line: 4,
        message: 'samples of a resume here after other metrics (first at line 2); each family should be one group',
      },
      { line: 6, message: '# TYPE for a comes after its samples (first at line 2); it belongs before them' },
      { line: 6, message: 'second # TYPE for a; the first (gauge) is kept' },
    ]);
  });

  it('warns about an OpenMetrics counter sample without _total', () => {
    const page = parsed(parseExposition('# TYPE c counter\nc 1\n# EOF\n', { contentType: OPENMETRICS }));
    expect(page.warnings).toEqual([{ line: 2, message: 'sample c of counter c should be named c_total or c_created' }]);
  });
});

describe('random values and label sets round-trip', () => {
  it('reads every value as JavaScript reads its decimal text, and every escaped label value back', () => {
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values: number[] = [];
    const texts: string[] = [];
    const labelValues: string[] = [];
    const alphabet = ['a', 'Z', '0', ' ', '\\', '"', '\n', 'é', '{', '}', ',', '=', '#'];
    for (let i = 0; i < 2000; i++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      const text = [String(value), value.toExponential(), value.toFixed(4), value.toPrecision(17)][i % 4]!;
      let label = '';
      for (let k = Math.floor(random() * 12); k > 0; k--) label += alphabet[Math.floor(random() * alphabet.length)];
      texts.push(text);
      values.push(Number(text));
      labelValues.push(label);
    }
    const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const page = parsed(
      parseExposition(texts.map((t, i) => `m{i="${i}",v="${escape(labelValues[i]!)}"} ${t}`).join('\n')),
    );

    expect([...page.values]).toEqual(values);
    expect(Array.from({ length: page.size }, (_, i) => page.sample(i).labels[3])).toEqual(labelValues);
  });
});
