import { vi } from 'vitest';

/** A parsed line of a function's output: a Powertools log line, or an EMF document (`_aws`). */
export type OutputLine = Record<string, unknown>;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/**
 * Runs one invocation and returns every line it wrote, parsed (each must be JSON). Lambda sends both
 * stdout and stderr (where Powertools writes warnings and errors) to CloudWatch Logs.
 */
export async function outputOf(run: () => Promise<unknown>): Promise<{ raw: string; lines: OutputLine[] }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const raw = chunks.join('');
  const lines = raw
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutputLine);
  return { raw, lines };
}

export const emfOf = (lines: readonly OutputLine[]) => lines.filter((line) => '_aws' in line) as EmfDocument[];
export const logsOf = (lines: readonly OutputLine[]) => lines.filter((line) => !('_aws' in line));
