/**
 * The remote-write 1.0 body: a `prometheus.WriteRequest` protobuf (prompb/remote.proto,
 * prompb/types.proto), hand-encoded rather than generated with protobufjs. Only three tiny messages
 * are ever written (WriteRequest → TimeSeries → Label / Sample), and encoding them in two passes
 * (sizes, then bytes into one buffer) from flat arrays avoids the per-field objects, the verify()
 * walk and the copies a generic codec makes; bench/remote-write.ts measures the difference.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
 */

/** One series as the encoder wants it: labels as sorted name/value pairs, samples oldest first. */
export interface EncodableSeries {
  /** `[name0, value0, name1, value1, …]`, sorted by name, `__name__` included. */
  readonly labels: readonly string[];
  /** Epoch ms, ascending. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

const TAG_TIMESERIES = 0x0a; // field 1, length-delimited
const TAG_LABELS = 0x0a;
const TAG_SAMPLES = 0x12; // field 2, length-delimited
const TAG_NAME = 0x0a;
const TAG_VALUE = 0x12;
const TAG_SAMPLE_VALUE = 0x09; // field 1, 64-bit
const TAG_SAMPLE_TIMESTAMP = 0x10; // field 2, varint

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** UTF-8 length; ASCII (nearly every label) is answered without encoding. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return text.length;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  // Arithmetic rather than bit operators: ms timestamps exceed 32 bits.
  while (value >= 0x80) {
    buffer[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[at++] = value;
  return at;
}

function writeString(buffer: Buffer, at: number, text: string, byteLength: number): number {
  if (byteLength !== text.length) return at + buffer.write(text, at, 'utf8');
  // A byte loop beats buffer.latin1Write's native call at label lengths (measured).
  for (let i = 0; i < byteLength; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}

/** Encodes the series into one WriteRequest; the caller has sorted labels and samples. */
export function encodeWriteRequest(series: readonly EncodableSeries[]): Uint8Array {
  // Pass 1: every string's byte length and every message's size, remembered for pass 2.
  let stringCount = 0;
  for (let s = 0; s < series.length; s++) stringCount += series[s]!.labels.length;
  const stringLengths = new Int32Array(stringCount);
  const seriesSizes = new Float64Array(series.length);
  let stringIndex = 0;
  let total = 0;
  for (let s = 0; s < series.length; s++) {
    const { labels, times } = series[s]!;
    let size = 0;
    for (let i = 0; i < labels.length; i += 2) {
      const nameLength = utf8Length(labels[i]!);
      const valueLength = utf8Length(labels[i + 1]!);
      stringLengths[stringIndex++] = nameLength;
      stringLengths[stringIndex++] = valueLength;
      const labelSize = 2 + varintLength(nameLength) + nameLength + varintLength(valueLength) + valueLength;
      size += 1 + varintLength(labelSize) + labelSize;
    }
    for (let i = 0; i < times.length; i++) {
      const time = times[i]!;
      if (!(time >= 0) || !Number.isSafeInteger(time)) throw new RangeError(`sample timestamp ${time} is not epoch ms`);
      const sampleSize = 10 + varintLength(time);
      size += 2 + sampleSize; // sampleSize < 128: one length byte
    }
    seriesSizes[s] = size;
    total += 1 + varintLength(size) + size;
  }

  // Pass 2: write. Positions are passed and returned rather than closed over: a captured, mutated
  // `at` would live in a context object and make every byte write a heap access.
  const buffer = Buffer.allocUnsafe(total);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let at = 0;
  stringIndex = 0;
  for (let s = 0; s < series.length; s++) {
    const { labels, times, values } = series[s]!;
    buffer[at++] = TAG_TIMESERIES;
    at = writeVarint(buffer, at, seriesSizes[s]!);
    for (let i = 0; i < labels.length; i += 2) {
      const nameLength = stringLengths[stringIndex++]!;
      const valueLength = stringLengths[stringIndex++]!;
      buffer[at++] = TAG_LABELS;
      at = writeVarint(buffer, at, 2 + varintLength(nameLength) + nameLength + varintLength(valueLength) + valueLength);
      buffer[at++] = TAG_NAME;
      at = writeString(buffer, writeVarint(buffer, at, nameLength), labels[i]!, nameLength);
      buffer[at++] = TAG_VALUE;
      at = writeString(buffer, writeVarint(buffer, at, valueLength), labels[i + 1]!, valueLength);
    }
    for (let i = 0; i < times.length; i++) {
      const time = times[i]!;
      buffer[at++] = TAG_SAMPLES;
      buffer[at++] = 10 + varintLength(time);
      buffer[at++] = TAG_SAMPLE_VALUE;
      // NaN and ±Inf are written as the IEEE-754 values they are, as Prometheus stores them.
      view.setFloat64(at, values[i]!, true);
      at += 8;
      buffer[at++] = TAG_SAMPLE_TIMESTAMP;
      at = writeVarint(buffer, at, time);
    }
  }
  return buffer;
}
