/**
 * Number tokens of the exposition formats, read straight from the page text without slicing it.
 *
 * Values follow Go's strconv.ParseFloat, which both Prometheus parsers use, for decimal input:
 * `1`, `-0.5`, `.5`, `1.`, `1e-3`, and `Inf`/`Infinity` (either sign) and `NaN` in any letter case.
 * Go's hexadecimal floats (`0x1p-2`) are not read: no exporter writes them and neither spec asks for them.
 */

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;

/** Exactly representable powers of ten: with a mantissa below 2^53 one multiply or divide rounds correctly. */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
/** Digits kept in the mantissa; 15 decimal digits always fit below 2^53. */
const FAST_DIGITS = 15;

/** `s[start, end)` as a float, or undefined when it is not one. */
export function parseFloatToken(s: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    if (++i >= end) return undefined;
    c = s.charCodeAt(i);
  }
  if ((c < ZERO || c > NINE) && c !== DOT) return special(s, start, i, end, negative);

  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  let sawDigit = false;
  let sawDot = false;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      sawDigit = true;
      if (mantissa === 0 && c === ZERO) {
        // Leading zeros carry no precision; after the dot they only scale.
        if (sawDot) exponent--;
      } else if (digits < FAST_DIGITS) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        if (sawDot) exponent--;
      } else {
        digits++;
      }
    } else if (c === DOT && !sawDot) {
      sawDot = true;
    } else break;
  }
  if (!sawDigit) return undefined;
  if (i < end) {
    if (c !== LOWER_E && c !== UPPER_E) return undefined;
    if (++i >= end) return undefined;
    c = s.charCodeAt(i);
    let exponentNegative = false;
    if (c === PLUS || c === MINUS) {
      exponentNegative = c === MINUS;
      if (++i >= end) return undefined;
    }
    let written = 0;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) return undefined;
      if (written < 100_000) written = written * 10 + (c - ZERO);
    }
    exponent += exponentNegative ? -written : written;
  }
  if (digits <= FAST_DIGITS && exponent >= -22 && exponent <= 22) {
    const magnitude = exponent < 0 ? mantissa / POW10[-exponent]! : mantissa * POW10[exponent]!;
    return negative ? -magnitude : magnitude;
  }
  // Long mantissas and large exponents: the engine's correctly rounded conversion of the validated token.
  return Number(s.slice(start, end));
}

/** `Inf`, `Infinity` (signed or not) and unsigned `NaN`, any letter case, as Go reads them. */
function special(s: string, start: number, at: number, end: number, negative: boolean): number | undefined {
  const length = end - at;
  if (length === 3) {
    const word = lower3(s, at);
    if (word === 'inf') return negative ? -Infinity : Infinity;
    if (word === 'nan' && at === start) return NaN;
    return undefined;
  }
  if (length === 8 && s.slice(at, end).toLowerCase() === 'infinity') return negative ? -Infinity : Infinity;
  return undefined;
}

function lower3(s: string, at: number): string {
  return String.fromCharCode(s.charCodeAt(at) | 0x20, s.charCodeAt(at + 1) | 0x20, s.charCodeAt(at + 2) | 0x20);
}

/** Prometheus text timestamps: a signed integer of milliseconds (Go's ParseInt), within JS's exact range. */
export function parseMillisToken(s: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    if (++i >= end) return undefined;
  }
  if (end - i > 16) return undefined;
  let value = 0;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) return undefined;
    value = value * 10 + (c - ZERO);
  }
  if (value > Number.MAX_SAFE_INTEGER) return undefined;
  return negative ? -value : value;
}

/**
 * OpenMetrics timestamps: seconds, possibly fractional, converted to whole milliseconds from the
 * decimal digits themselves (rounded half away from zero), so `1520879607.789` is exactly
 * 1520879607789 rather than whatever `1520879607.789 * 1000` rounds to.
 */
export function parseSecondsTokenToMillis(s: string, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === PLUS || c === MINUS) {
    negative = c === MINUS;
    if (++i >= end) return undefined;
  }
  let seconds = 0;
  let integerDigits = 0;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    seconds = seconds * 10 + (c - ZERO);
    integerDigits++;
  }
  let millis = 0;
  let fractionDigits = 0;
  let roundUp = false;
  if (i < end && c === DOT) {
    for (i++; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      if (fractionDigits < 3) millis = millis * 10 + (c - ZERO);
      else if (fractionDigits === 3) roundUp = c >= ZERO + 5;
      fractionDigits++;
    }
  }
  if (i < end || integerDigits > 12) {
    // An exponent (`1.5e9`) or an unusual size: read it as a float and round.
    const value = parseFloatToken(s, start, end);
    if (value === undefined || !Number.isFinite(value)) return undefined;
    const ms = Math.round(Math.abs(value) * 1000);
    return Number.isSafeInteger(ms) ? (value < 0 ? -ms : ms) : undefined;
  }
  if (integerDigits === 0 && fractionDigits === 0) return undefined;
  for (let k = Math.min(fractionDigits, 3); k < 3; k++) millis *= 10;
  const magnitude = seconds * 1000 + millis + (roundUp ? 1 : 0);
  return negative ? -magnitude : magnitude;
}
