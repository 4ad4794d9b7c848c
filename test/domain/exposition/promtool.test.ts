import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/domain/exposition/index.js';

/**
 * Cross-check against `promtool check metrics` (Debian `prometheus`, Go's expfmt): where expfmt
 * finds a parse error, this parser must fail on the same line; on the pages it accepts, so do we.
 * Where the two differ on purpose (see parse.ts), the case says why and asserts both sides.
 */
function promtool(page: string): { parseErrorLine: number | undefined; output: string } {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      'promtool is not installed (apt-get install -y --no-install-recommends prometheus; .ci/run does it)',
    );
  }
  const run = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  const match = /text format parsing error in line (\d+)/.exec(output);
  return { parseErrorLine: match ? Number(match[1]) : undefined, output };
}

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

describe('promtool check metrics agrees', () => {
  it.each(['text-features.prom', 'node-exporter-1.5.prom'])('both accept %s', (name) => {
    const page = fixture(name);
    expect(promtool(page).parseErrorLine).toBeUndefined();
    expect(parseExposition(page).ok).toBe(true);
  });

  it.each([
    ['unterminated label value', 'ok 1\nbad{ward="icu} 1\n'],
    ['no value', 'a 1\n# TYPE b gauge\nb{x="1"}\n'],
    ['a value that is not a float', 'a 1\na{x="2"} twelve\n'],
    ['fractional timestamp', 'a 1\nb 1 1.5\n'],
    ['unknown type', '\n# TYPE a gauges\na 1\n'],
    ['le not a float', '# TYPE h histogram\nh_bucket{le="big"} 1\n'],
    ['label name starting with a digit', 'a 1\nb{1x="1"} 1\n'],
    ['text after the timestamp', 'a 1\nb 1 2 3\n'],
  ])('both refuse a page with %s, on the same line', (_name, page) => {
    const result = parseExposition(page);
    const theirs = promtool(page).parseErrorLine;

    expect(theirs).toBeDefined();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.line).toBe(theirs);
  });

  it('differs on purpose where Prometheus itself differs from expfmt', () => {
    // A backslash before another character: expfmt refuses it, Prometheus's scraper keeps it as written.
    expect(promtool('a{p="C:\\temp"} 1\n').parseErrorLine).toBe(1);
    expect(parseExposition('a{p="C:\\temp"} 1\n').ok).toBe(true);
    // No newline after the last sample: expfmt refuses, the spec asks for one, this parser is lenient.
    expect(promtool('a 1').parseErrorLine).toBe(1);
    expect(parseExposition('a 1').ok).toBe(true);
    // Trailing blanks: the 0.0.4 spec says they are ignored; expfmt reads them as a missing timestamp.
    expect(promtool('a 1  \n').parseErrorLine).toBe(1);
    expect(parseExposition('a 1  \n').ok).toBe(true);
    // A histogram bucket without le: expfmt and Prometheus's scraper take it; OpenMetrics requires le.
    expect(promtool('# TYPE h histogram\nh_bucket{x="1"} 1\n').parseErrorLine).toBeUndefined();
    const page = parseExposition('# TYPE h histogram\nh_bucket{x="1"} 1\n');
    expect(page.ok && page.warnings).toEqual([{ line: 2, message: 'histogram bucket h_bucket has no le label' }]);
  });
});
