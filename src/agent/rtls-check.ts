import { createServer } from 'node:net';
import mqtt from 'mqtt';
import type { RtlsInputSettings } from '../domain/assets/input-settings.js';
import { redactUrl } from '../rtls/redact-url.js';

/** One RTLS input of agent.yaml (`rtls.inputs[i]`) checked once: what was tried and why it failed. */
export interface RtlsInputCheck {
  readonly setting: string;
  readonly kind: 'http' | 'mqtt';
  /** The listen address or the broker URL (a password in it shown as ***). */
  readonly target: string;
  /** Why the input would not start; undefined when it would. */
  readonly problem: string | undefined;
}

/**
 * HTTP: the listen address is bound and released at once (nothing is served). MQTT: one CONNECT
 * with the configured credentials, then DISCONNECT (nothing is subscribed). The password only goes
 * to the broker; neither the target nor a problem ever carries it.
 */
export async function checkRtlsInput(
  settings: RtlsInputSettings,
  index: number,
  timeoutMs: number,
): Promise<RtlsInputCheck> {
  const setting = `rtls.inputs[${String(index)}]`;
  if (settings.kind === 'http') {
    return { setting, kind: 'http', target: settings.listen, problem: await bindProblem(settings.listen) };
  }
  const target = redactUrl(settings.url);
  const problem = await connectProblem(settings, timeoutMs);
  // Belt and braces: should a client library ever echo the password in an error, it is masked here.
  const masked = settings.password === undefined ? problem : problem?.split(settings.password).join('***');
  return { setting, kind: 'mqtt', target, problem: masked };
}

function bindProblem(listen: string): Promise<string | undefined> {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(colon + 1));
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(`cannot listen on ${listen}: ${error.code ?? error.message}`),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function connectProblem(
  settings: Extract<RtlsInputSettings, { kind: 'mqtt' }>,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const client = mqtt.connect(settings.url, {
      // Never the agent's own client_id: connecting with it would take over (and, clean, wipe) the
      // running agent's session on the broker.
      clientId: `pflow-check-${String(process.pid)}-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      ...(settings.username !== undefined && { username: settings.username }),
      ...(settings.password !== undefined && { password: settings.password }),
    });
    let settled = false;
    const finish = (problem: string | undefined) => {
      if (settled) return;
      settled = true;
      client.end(true, () => resolve(problem));
    };
    client.once('connect', () => finish(undefined));
    client.once('error', (error) => finish(`cannot connect: ${error.message}`));
    client.once('close', () =>
      finish(`no CONNACK: the connection closed or ${String(timeoutMs)} ms passed before the broker answered`),
    );
  });
}
