import { isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';

/**
 * The largest site config accepted. A hospital's config with hundreds of probes is a few hundred
 * KB; a file past this is a generated or wrong file, and refusing it up front keeps
 * `pflow validate` quick instead of parsing megabytes.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Bytes → text, or the reason they are not a YAML text file: YAML files are UTF-8 (or UTF-16/32
 * with a byte order mark, which nobody writes by hand) and never hold a NUL byte.
 */
export function decodeConfigText(bytes: Uint8Array): { text: string } | { issue: ConfigIssue } {
  if (bytes.length > MAX_CONFIG_BYTES) {
    return { issue: { path: '(file)', message: tooLarge(bytes.length) } };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    return {
      issue: {
        path: `line ${lineOf(bytes, nul)}`,
        message: utf16
          ? 'not a YAML text file: it is UTF-16; save it as UTF-8'
          : 'not a YAML text file: it contains a NUL byte (a binary file?)',
      },
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return {
      issue: {
        path: `line ${lineOf(bytes, bad)}`,
        message: 'not a YAML text file: it is not valid UTF-8 (save it as UTF-8)',
      },
    };
  }
  const control = controlCharacterIssue(text);
  return control ? { issue: control } : { text };
}

/**
 * YAML allows no control character but tab, line feed and carriage return: one in a decoded text
 * means a binary or a mangled file, which the YAML parser would answer with noise. Returns the
 * issue for the first one, or undefined.
 */
export function controlCharacterIssue(text: string): ConfigIssue | undefined {
  // eslint-disable-next-line no-control-regex
  const match = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (!match) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < match.index; i = text.indexOf('\n', i + 1)) line += 1;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return {
    path: `line ${line}`,
    message: `not a YAML text file: it contains the control character U+${code}${code === '0000' ? ' (a NUL byte: a binary file?)' : ''}`,
  };
}

export function tooLarge(size: number): string {
  const mib = (n: number): string => `${(n / 1_048_576).toFixed(1)} MiB`;
  return `the file is ${mib(size)}, over the ${mib(MAX_CONFIG_BYTES)} limit for a site config: nothing was read (is it the right file?)`;
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Bisect on prefixes: a prefix decodes unless it holds a bad sequence (or ends mid-sequence).
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 4) {
    const mid = (good + bad) >>> 1;
    try {
      decoder.decode(bytes.subarray(0, mid));
      good = mid;
    } catch {
      bad = mid;
    }
  }
  return good;
}

/**
 * Duplicate keys in every mapping, found with one Set per mapping. The yaml library's own
 * `uniqueKeys` check compares each key with every earlier key of its mapping, which made a
 * 70,000-label mapping take minutes (issue 6). Keys are compared as yaml does: scalars by value
 * and type, other keys never equal; `<<` merge keys (a symbol once parsed) may repeat.
 */
export function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && key.value !== '<<' && typeof key.value !== 'symbol') {
          const identity = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(identity) && key.range) offsets.push(key.range[0]);
          seen.add(identity);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return offsets;
}

/**
 * Where each path of the document starts, built in one walk: placing N errors in file order used
 * to search the document once per error (`doc.getIn`), N × file size in all.
 */
export class OffsetIndex {
  readonly #offsets = new Map<string, number>();
  readonly #root: number;

  constructor(doc: Document) {
    this.#root = isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
    const stack: { node: unknown; key: string }[] = [{ node: doc.contents, key: '' }];
    while (stack.length > 0) {
      const { node, key } = stack.pop()!;
      if (isNode(node) && node.range && !this.#offsets.has(key)) this.#offsets.set(key, node.range[0]);
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key)) stack.push({ node: pair.value, key: `${key}\u0000s${String(pair.key.value)}` });
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => stack.push({ node: item as Node, key: `${key}\u0000n${index}` }));
      }
    }
  }

  /** The offset of the deepest existing node on `path`, or of the document. */
  offsetOf(path: readonly (string | number)[]): number {
    const keys: string[] = [];
    let key = '';
    for (const segment of path) {
      key += typeof segment === 'number' ? `\u0000n${segment}` : `\u0000s${segment}`;
      keys.push(key);
    }
    for (let depth = keys.length - 1; depth >= 0; depth -= 1) {
      const offset = this.#offsets.get(keys[depth]!);
      if (offset !== undefined) return offset;
    }
    return this.#root;
  }
}
