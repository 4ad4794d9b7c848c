/** Test records whose content says which record they are, so a replay can be checked exactly. */
export function recordPayload(i: number, padding = 100): Buffer {
  return Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(padding + (i % 7) * 13) }));
}

export function recordIndex(payload: Buffer): number {
  return (JSON.parse(payload.toString('utf8')) as { i: number }).i;
}
