/** Splits a `host:port` listen address (IPv6 as `[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!match) throw new Error(`not a host:port listen address: ${listen}`);
  const port = Number(match[3]);
  if (port > 65_535) throw new Error(`port out of range in ${listen}`);
  return { host: match[1] ?? match[2]!, port };
}
