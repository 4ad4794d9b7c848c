import { readApiToken } from '../runtime/api-token.js';
import type { CliOutput } from './config.js';

/**
 * `pflow alerts ack|unack|list` talk to the running runtime's API: acknowledging must tell the
 * channels, and only the runtime sends. The token is the one the runtime keeps in its data
 * directory, so whoever can read that directory can acknowledge.
 */
export interface AlertsCallOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080. */
  readonly api: string;
  readonly dataDir: string;
  readonly fetch?: typeof fetch;
}

export async function runAlertsAck(
  options: AlertsCallOptions & { alert: string; by?: string; reason?: string; expires?: string; undo: boolean },
  out: CliOutput,
): Promise<number> {
  const token = readApiToken(options.dataDir);
  if (token === undefined) {
    out.stderr(`no API token in ${options.dataDir}: start the runtime (pflow local) once with this config\n`);
    return 1;
  }
  const path = options.undo ? '/api/alerts/unack' : '/api/alerts/ack';
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${options.api.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        alert: options.alert,
        by: options.by ?? '',
        reason: options.reason ?? '',
        ...(options.expires !== undefined && { expires: options.expires }),
      }),
    });
  } catch (error) {
    out.stderr(`cannot reach the runtime at ${options.api}: ${(error as Error).message}; is pflow local running?\n`);
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const problems = Array.isArray(body.problems)
      ? (body.problems as string[])
      : [String(body.error ?? response.status)];
    for (const problem of problems) out.stderr(`${problem}\n`);
    return 1;
  }
  printAckOutcome(body, options.alert, out);
  return 0;
}

/** The answer to an ack or unack, from the local runtime or the deployment's lifecycle API (same JSON). */
export function printAckOutcome(body: Record<string, unknown>, alert: string, out: CliOutput): void {
  switch (body.outcome) {
    case 'acknowledged':
      out.stdout(
        `acknowledged ${String(body.alert)} by ${String(body.acknowledgedBy)}${body.expiresAt ? ` until ${String(body.expiresAt)}` : ''}\n`,
      );
      break;
    case 'already_acknowledged':
      out.stdout(
        `${String(body.alert)} was already acknowledged by ${String(body.acknowledgedBy)}: ${String(body.reason)} (yours is recorded too)\n`,
      );
      break;
    case 'unacknowledged':
      out.stdout(`unacknowledged ${String(body.alertKey)}: reminders and escalation resume\n`);
      break;
    default:
      out.stdout(`${String(body.alertKey ?? alert)} was not acknowledged\n`);
  }
}

export async function runAlertsList(options: Omit<AlertsCallOptions, 'dataDir'>, out: CliOutput): Promise<number> {
  try {
    const fetcher = options.fetch ?? fetch;
    const base = options.api.replace(/\/+$/, '');
    const alerts = ((await (await fetcher(`${base}/api/alerts`)).json()) as { alerts: Record<string, unknown>[] })
      .alerts;
    const acks = ((await (await fetcher(`${base}/api/acks`)).json()) as { acks: Record<string, unknown>[] }).acks;
    const active = alerts.filter((alert) => ['firing', 'nodata', 'error'].includes(String(alert.state)));
    if (active.length === 0) {
      out.stdout('no active alerts\n');
      return 0;
    }
    for (const alert of active) {
      const ack = acks.find((record) => record.alertKey === alert.key && record.action === 'ack');
      out.stdout(
        `${String(alert.key)}  ${String(alert.state)}  since ${String(alert.firingSince ?? alert.since)}${ack ? `  last ack by ${String(ack.by)}: ${String(ack.reason)}` : ''}\n`,
      );
    }
    return 0;
  } catch (error) {
    out.stderr(`cannot reach the runtime at ${options.api}: ${(error as Error).message}; is pflow local running?\n`);
    return 1;
  }
}
