import { referencesByPath } from './env.js';

/*
 * Which functions read each `${NAME}` secret of a deployed config: the stack grants a function
 * only those, and a function's loader reads and fills in only those (lambdas/shared/config.ts),
 * leaving every other `${NAME}` unresolved in fields it never reads.
 *
 * A reader is a function's name (`collect`, `lifecycleApi`, `ingest`; `deliver` for every deliver
 * function) or `deliver:<channel id>` for one channel's. A secret in any section not listed here
 * is read by every function that loads the config: a function reads the config wherever its code
 * goes, and granting too much is safe where granting too little fails at cold start.
 *
 * Worked out on the NORMALISED config (what the functions read), so a value the normalisation
 * moved is judged where it lands. Like bundled.ts, this module is in every bundle: no zod here.
 */

/** The functions that read a secret; undefined: every function that loads the config. */
export type SecretReaders = readonly string[] | undefined;

/** A function as the readers name it: its name (SERVICES key), and a deliver function's channel. */
export interface ReadingFunction {
  readonly fn: string;
  readonly channel?: string;
}

/** Each secret's readers, for a normalised config holding `${NAME}` references (`$${` a literal). */
export function secretReaders(config: unknown): Record<string, SecretReaders> {
  const readers = new Map<string, SecretReaders>();
  for (const [path, names] of referencesByPath(config)) {
    const these = readersAt(config, path);
    for (const name of names) {
      const known = readers.has(name) ? readers.get(name) : [];
      readers.set(name, known === undefined || these === undefined ? undefined : [...known, ...these]);
    }
  }
  return Object.fromEntries(
    [...readers].map(([name, list]) => [name, list === undefined ? undefined : [...new Set(list)].sort()]),
  );
}

/** Whether `reader` reads a secret with these readers. */
export function readsSecret(readers: SecretReaders, reader: ReadingFunction): boolean {
  if (readers === undefined) return true;
  return (
    readers.includes(reader.fn) || (reader.channel !== undefined && readers.includes(`${reader.fn}:${reader.channel}`))
  );
}

/**
 * Who reads the value at `path` (normalised config), undefined for every function:
 * - `channels[i].settings…` (a channel's kind block: its URL, password, headers): that channel's
 *   deliver function alone (lambdas/shared/deliver.ts), and for a log-drop channel the ingest too,
 *   which reads the S3 drop's bucket and prefix (lambdas/ingest.ts). Routing reads only ids.
 * - `acknowledge.…` (`link_key`): the functions that make or check acknowledge links
 *   (linkSettings in lambdas/shared/lifecycle.ts): every deliver function and the lifecycle API.
 *   Escalations and reports go out through the deliver functions, which sign their links.
 * - `aws.pull.agents[i]…` (an agent's pull URL and token): the collect function.
 * - `probes[i].settings…` (a probe's kind block: its headers, say): the probe function, which alone
 *   runs probes (lambdas/probe.ts); `probes[i].target` the probe and report functions (the daily
 *   report lists certificates by target, src/domain/report/digest.ts). The rule function reads a
 *   probe's id, site and runs_on only (the agent hold-back).
 */
function readersAt(config: unknown, path: readonly (string | number)[]): SecretReaders {
  const [section, index, field] = path;
  if (section === 'channels' && typeof index === 'number' && field === 'settings') {
    const channel = recordAt(recordAt(config)?.channels, index);
    const id = channel?.id;
    // An id that is itself a secret names no function the stack could tell apart: everyone reads it.
    if (typeof id !== 'string' || id.includes('$')) return undefined;
    return [`deliver:${id}`, ...(channel?.kind === 'logdrop' ? ['ingest'] : [])];
  }
  if (section === 'acknowledge') return ['deliver', 'lifecycleApi'];
  if (section === 'aws' && index === 'pull' && field === 'agents') return ['collect'];
  if (section === 'probes' && typeof index === 'number') {
    if (field === 'settings') return ['probe'];
    if (field === 'target') return ['probe', 'report'];
  }
  return undefined;
}

function recordAt(value: unknown, index?: number): Readonly<Record<string, unknown>> | undefined {
  const node = index === undefined ? value : Array.isArray(value) ? (value[index] as unknown) : undefined;
  return typeof node === 'object' && node !== null && !Array.isArray(node)
    ? (node as Readonly<Record<string, unknown>>)
    : undefined;
}
