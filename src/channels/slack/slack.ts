import type { DeliveryOutcome } from '../../domain/notification/outcome.js';
import type { HttpResponseSummary } from '../common/http-post.js';
import { jsonPostSender } from '../common/json-post-sender.js';
import type { ChannelDeps, ChannelFactory } from '../types.js';
import { ONCALL_RECIPIENT } from '../../domain/lifecycle/oncall.js';
import { renderReportSlack } from '../../domain/report/render-chat.js';
import { renderSlack, type SlackMention } from './render.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';
import type { SlackSettings } from './settings.js';

/** Slack answers an error as a bare snake_case code (`invalid_payload`, `no_service`, …). */
const SLACK_ERROR_CODE = /^[a-z][a-z0-9_]*$/;

export const createSlackSender: ChannelFactory<SlackSettings> = jsonPostSender({
  kind: 'slack',
  secretFields: CHANNEL_SECRET_FIELDS.slack,
  request: (notification, settings, deps) => ({
    body: JSON.stringify(
      notification.report
        ? renderReportSlack(notification.report)
        : renderSlack(notification, {
            timezoneFor: deps.timezoneFor,
            ackLinkFor: deps.ackLinkFor,
            ...(settings.mention !== undefined && { mentions: mentionsFor(settings.mention, deps) }),
          }),
    ),
  }),
  interpret: interpretSlackResponse,
});

/**
 * Slack's own signals on top of the shared status policy: success is 200 `ok`; a 2xx with an
 * error code in the body is a failure (older webhooks did this); a 4xx error code becomes the
 * outcome's reason so the pipeline can tell `no_service` (revoked webhook) from a bad payload.
 */
export function interpretSlackResponse(response: HttpResponseSummary): DeliveryOutcome | undefined {
  const body = response.body.trim();
  if (response.status >= 200 && response.status < 300) {
    if (body === '' || body === 'ok' || !SLACK_ERROR_CODE.test(body)) return undefined;
    return { status: 'permanent', reason: body, detail: `HTTP ${response.status}: ${body}` };
  }
  if (response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status)) {
    if (SLACK_ERROR_CODE.test(body))
      return { status: 'permanent', reason: body, detail: `HTTP ${response.status}: ${body}` };
  }
  return undefined;
}

/**
 * The configured mentions as of now: `oncall:<team>` becomes whoever is on call for the team at
 * send time (a retry an hour later pings the person on call then).
 */
export function mentionsFor(mention: readonly string[], deps: Pick<ChannelDeps, 'onCall' | 'logger'>): SlackMention[] {
  return mention.map((entry): SlackMention => {
    const team = ONCALL_RECIPIENT.exec(entry)?.[1];
    if (team === undefined) return { user: entry };
    const member = deps.onCall?.(team);
    if (member?.slack !== undefined) return { user: member.slack };
    deps.logger.warn('slack: nobody on call with a Slack member id to mention', { team, onCall: member?.name });
    return { team, ...(member !== undefined && { name: member.name }) };
  });
}
