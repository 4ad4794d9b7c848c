/** Deterministic exposition pages for benchmarks (the parser bench, the agent overhead bench). */

/** A deterministic page of about `megabytes` MB shaped like a busy application's metrics. */
export function syntheticPage(megabytes: number): string {
  const target = megabytes * 1024 * 1024;
  const parts: string[] = [];
  let size = 0;
  const push = (line: string) => {
    parts.push(line);
    size += line.length + 1;
  };
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const codes = ['200', '201', '304', '400', '404', '500', '503'];
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  for (let family = 0; size < target; family++) {
    const kind = family % 4;
    const name = `app_${['requests', 'queue_depth', 'request_duration_seconds', 'db_query_seconds'][kind]}_${family}`;
    const handlers = 10 + (family % 7);
    if (kind === 0) {
      push(`# HELP ${name}_total Requests served by handler, method and status code.`);
      push(`# TYPE ${name}_total counter`);
      for (let h = 0; h < handlers; h++) {
        for (const method of methods) {
          for (const code of codes) {
            const value = (family * 7919 + h * 104729 + code.length * 31) % 9_999_991;
            push(`${name}_total{code="${code}",handler="/api/v1/ward/${h}/beds",method="${method}"} ${value}`);
          }
        }
      }
    } else if (kind === 1) {
      push(`# HELP ${name} Items waiting in the queue.`);
      push(`# TYPE ${name} gauge`);
      for (let h = 0; h < handlers * 8; h++) {
        push(
          `${name}{instance="10.20.${h % 256}.${family % 256}:9100",job="hl7-gateway",queue="q${h}"} ${(h * 0.37 + family).toFixed(3)}`,
        );
      }
    } else if (kind === 2) {
      push(`# HELP ${name} Request latency.`);
      push(`# TYPE ${name} histogram`);
      for (let h = 0; h < handlers; h++) {
        for (const method of methods) {
          const labels = `handler="/api/v1/patients/${h}",method="${method}"`;
          let count = 0;
          for (const le of bounds) {
            count += (h + le.length) % 13;
            push(`${name}_bucket{${labels},le="${le}"} ${count}`);
          }
          push(`${name}_sum{${labels}} ${(count * 0.0421).toFixed(6)}`);
          push(`${name}_count{${labels}} ${count}`);
        }
      }
    } else {
      push(`# HELP ${name} Database query time.`);
      push(`# TYPE ${name} summary`);
      for (let h = 0; h < handlers * 2; h++) {
        const labels = `db="pacs",query="q${h}"`;
        for (const quantile of ['0.5', '0.9', '0.99'])
          push(`${name}{${labels},quantile="${quantile}"} ${(h * 0.0013 + 0.002).toExponential(4)}`);
        push(`${name}_sum{${labels}} ${h * 12.5}`);
        push(`${name}_count{${labels}} ${h * 1000 + 17}`);
      }
    }
  }
  return `${parts.join('\n')}\n`;
}
