import { describe, expect, it } from 'vitest';
import { matchesValue, MatcherSyntaxError, parseMatcher } from '../../src/domain/labels.js';

/** The matcher text as a config file holds it (String.raw keeps every backslash as written). */
const m = (text: string) => parseMatcher(text);

describe('matcher values follow Go string-literal rules, as PromQL and Alertmanager read them', () => {
  it.each([
    [String.raw`a="bar\n"`, 'bar\n'],
    [String.raw`a="x\ty"`, 'x\ty'],
    [String.raw`a="back\\slash"`, 'back\\slash'],
    [String.raw`a="say \"hi\""`, 'say "hi"'],
    [String.raw`a="it\'s"`, "it's"],
    [String.raw`a="\a\b\f\r\v"`, '\u0007\b\f\r\v'],
    [String.raw`a="\101\102"`, 'AB'],
    [String.raw`a="\x41\x7e"`, 'A~'],
    [String.raw`a="caf\xc3\xa9"`, 'café'],
    [String.raw`a="caf\303\251"`, 'café'],
    [String.raw`a="\u00e9t\u00E9"`, 'été'],
    [String.raw`a="\U0001F600"`, '😀'],
    [String.raw`a="\U0010ffff"`, '\u{10ffff}'],
    ['a="plain ünïcödé 😀"', 'plain ünïcödé 😀'],
  ])('%s decodes to %j', (text, value) => {
    expect(m(text).value).toBe(value);
  });

  it.each([
    [
      String.raw`host=~"pacs-\d+"`,
      String.raw`unknown escape \d (quoted values follow Go string rules: \n \t \\ \" \xHH \uHHHH …); to pass \d to the regex, write \\d`,
    ],
    [
      String.raw`host="pacs\-01"`,
      String.raw`unknown escape \- (quoted values follow Go string rules: \n \t \\ \" \xHH \uHHHH …); for a backslash followed by -, write \\-`,
    ],
    [String.raw`host=~"a\.b"`, String.raw`to pass \. to the regex, write \\.`],
    [String.raw`a="\x4"`, String.raw`escape \x needs exactly 2 hex digits`],
    [String.raw`a="\xZZ"`, String.raw`escape \x needs exactly 2 hex digits`],
    [String.raw`a="\u12"`, String.raw`escape \u needs exactly 4 hex digits`],
    [String.raw`a="\U0001F60"`, String.raw`escape \U needs exactly 8 hex digits`],
    [String.raw`a="\ud800"`, String.raw`escape \ud800 is not a Unicode code point`],
    [String.raw`a="\uDFFF"`, String.raw`escape \uDFFF is not a Unicode code point`],
    [String.raw`a="\U00110000"`, String.raw`escape \U00110000 is not a Unicode code point`],
    [String.raw`a="\12"`, String.raw`octal escape \12 needs exactly 3 octal digits`],
    [String.raw`a="\400"`, String.raw`octal escape \400 is above \377`],
    [String.raw`a="\xff"`, 'the escapes do not form valid UTF-8'],
    [String.raw`a="\xc3"`, 'the escapes do not form valid UTF-8'],
    [String.raw`a="\355\240\200"`, 'the escapes do not form valid UTF-8'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => m(text)).toThrow(MatcherSyntaxError);
    expect(() => m(text)).toThrow(message);
  });

  it('a regex digit class written \\\\d matches digits, not the letter d', () => {
    const matcher = m(String.raw`host=~"pacs-\\d+"`);
    expect(matcher.value).toBe(String.raw`pacs-\d+`);
    expect(matchesValue(matcher, 'pacs-01')).toBe(true);
    expect(matchesValue(matcher, 'pacs-ddd')).toBe(false);
  });

  it('an escaped quote in a regex is a quote', () => {
    const matcher = m(String.raw`msg=~"say \"(hi|bye)\""`);
    expect(matchesValue(matcher, 'say "hi"')).toBe(true);
  });
});

describe('regex matchers: anchored as in Prometheus, with Go leading inline flags', () => {
  it('anchors at both ends', () => {
    const matcher = m('host=~"pacs-.*"');
    expect(matchesValue(matcher, 'pacs-01')).toBe(true);
    expect(matchesValue(matcher, 'old-pacs-01')).toBe(false);
    expect(matchesValue(m('host=~"a|b"'), 'ab')).toBe(false);
    expect(matchesValue(m('host!~"a|b"'), 'ab')).toBe(true);
  });

  it('(?i) matches without regard to case', () => {
    const matcher = m('severity=~"(?i)crit.*"');
    expect(matcher.regex!.flags).toBe('i');
    expect(matchesValue(matcher, 'CRITICAL')).toBe(true);
    expect(matchesValue(matcher, 'warning')).toBe(false);
    expect(matchesValue(m('severity!~"(?i)crit.*"'), 'Critical')).toBe(false);
  });

  it('(?s) lets . match a newline; without it . does not', () => {
    expect(matchesValue(m('msg=~"a.b"'), 'a\nb')).toBe(false);
    expect(matchesValue(m('msg=~"(?s)a.b"'), 'a\nb')).toBe(true);
  });

  it('(?m) makes ^ and $ match at line ends inside the regex, but the value stays anchored whole', () => {
    expect(m('msg=~"(?m)a$"').regex!.flags).toBe('m');
    expect(matchesValue(m(String.raw`msg=~"(?m)a$\nb"`), 'a\nb')).toBe(true);
    // Go keeps the anchoring outside the flag group: "foo" must be the whole value, not one line of it.
    expect(matchesValue(m('msg=~"(?m)foo"'), 'foo\nbar')).toBe(false);
    expect(matchesValue(m('msg=~"(?m)foo"'), 'foo')).toBe(true);
    expect(matchesValue(m('msg=~"foo"'), 'foo\nbar')).toBe(false);
  });

  it('combined and repeated leading flags, and cleared ones', () => {
    expect(m('a=~"(?is)x.y"').regex!.flags).toBe('is');
    expect(m('a=~"(?i)(?s)x.y"').regex!.flags).toBe('is');
    expect(m('a=~"(?is-s)x"').regex!.flags).toBe('i');
    expect(matchesValue(m('a=~"(?is)x.y"'), 'X\nY')).toBe(true);
  });

  it.each([
    ['a=~"(?U)x+"', 'the ungreedy flag (?U) has no JS RegExp equivalent: write lazy quantifiers (*?, +?) instead'],
    ['a=~"(?x)x"', 'unknown regex flag x in (?x) (flags: i, m, s)'],
    ['a=~"pacs-(?i)x"', 'inline regex flags work only at the start of the regex, e.g. (?i)pacs-.*'],
    ['a=~"(?i:pacs)-x"', 'inline regex flags work only at the start of the regex'],
    ['a=~"crit(ical"', 'invalid regex in "a=~\\"crit(ical\\"": Invalid regular expression: /^(?:crit(ical)$/'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => m(text)).toThrow(MatcherSyntaxError);
    expect(() => m(text)).toThrow(message);
  });
});
