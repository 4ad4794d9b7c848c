import { printAckOutcome } from './alerts.js';
import type { CliOutput } from './config.js';
import type { LifecycleApiClient } from './lifecycle-api-client.js';
import { LifecycleApiUnavailable, refusalLines, type LifecycleApiReply } from './lifecycle-api-client.js';
import { describePresented } from './silence.js';

/**
 * `pflow alerts ack|unack --aws` and `pflow silence add|list|expire --aws`: the same commands as
 * locally, sent to the deployment's lifecycle API (signed with the caller's AWS credentials), which
 * answers with the local API's JSON. Exit 0 done, 1 refused or unreachable.
 */

/** Makes the call; prints why when it got no answer or a refusal, and returns undefined then. */
export async function send(
  client: LifecycleApiClient,
  out: CliOutput,
  call: (client: LifecycleApiClient) => Promise<LifecycleApiReply>,
): Promise<LifecycleApiReply | undefined> {
  let reply: LifecycleApiReply;
  try {
    reply = await call(client);
  } catch (error) {
    if (!(error instanceof LifecycleApiUnavailable)) throw error;
    out.stderr(`${error.message}\n`);
    return undefined;
  }
  if (reply.status >= 200 && reply.status < 300) return reply;
  for (const line of refusalLines(reply, client.target)) out.stderr(`${line}\n`);
  return undefined;
}

export async function runAwsAlertsAck(
  client: LifecycleApiClient,
  options: { alert: string; by: string; reason: string; expires?: string; undo: boolean },
  out: CliOutput,
): Promise<number> {
  const reply = await send(client, out, (api) =>
    api.call('POST', options.undo ? 'api/alerts/unack' : 'api/alerts/ack', {
      json: {
        alert: options.alert,
        by: options.by,
        reason: options.reason,
        ...(options.expires !== undefined && { expires: options.expires }),
      },
    }),
  );
  if (reply === undefined) return 1;
  printAckOutcome(reply.body, options.alert, out);
  return 0;
}

export async function runAwsSilenceAdd(
  client: LifecycleApiClient,
  options: {
    match: readonly string[];
    author?: string;
    comment?: string;
    for?: string;
    until?: string;
    start?: string;
  },
  out: CliOutput,
): Promise<number> {
  const reply = await send(client, out, (api) =>
    api.call('POST', 'api/silences', {
      json: {
        matchers: options.match,
        ...(options.author !== undefined && { author: options.author }),
        ...(options.comment !== undefined && { comment: options.comment }),
        ...(options.for !== undefined && { duration: options.for }),
        ...(options.until !== undefined && { until: options.until }),
        ...(options.start !== undefined && { starts_at: options.start }),
      },
    }),
  );
  if (reply === undefined) {
    out.stderr('nothing was silenced\n');
    return 1;
  }
  const silence = reply.body.silence as Parameters<typeof describePresented>[0];
  out.stdout(`${silence.id}\n`);
  out.stderr(`${describePresented(silence)}\n`);
  return 0;
}

export async function runAwsSilenceList(
  client: LifecycleApiClient,
  options: { all: boolean; json: boolean },
  out: CliOutput,
): Promise<number> {
  const reply = await send(client, out, (api) =>
    api.call('GET', 'api/silences', options.all ? { query: { all: '1' } } : {}),
  );
  if (reply === undefined) return 1;
  const silences = (reply.body.silences ?? []) as Parameters<typeof describePresented>[0][];
  if (options.json) out.stdout(`${JSON.stringify(silences, null, 2)}\n`);
  else if (silences.length === 0)
    out.stdout(options.all ? 'no run-time silences\n' : 'no active or pending run-time silences\n');
  else for (const silence of silences) out.stdout(`${describePresented(silence)}\n`);
  return 0;
}

export async function runAwsSilenceExpire(
  client: LifecycleApiClient,
  options: { id: string; by?: string },
  out: CliOutput,
): Promise<number> {
  const by = options.by?.trim() ?? '';
  if (by === '') {
    out.stderr('--by: who expires it is required\n');
    return 1;
  }
  const reply = await send(client, out, (api) =>
    api.call('POST', `api/silences/${encodeURIComponent(options.id)}/expire`, { json: { by } }),
  );
  if (reply === undefined) return 1;
  out.stdout(`expired ${options.id}\n`);
  return 0;
}
