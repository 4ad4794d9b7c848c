import { parseDuration } from '../../domain/duration.js';
import type { ChannelSender } from '../../domain/ports.js';
import { postJson } from '../common/http-post.js';
import { channelRedactor } from '../common/secrets.js';
import type { ChannelFactory } from '../types.js';
import { renderWebhook } from './render.js';
import { webhookSettings, type WebhookSettings } from './settings.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './signature.js';

export const DELIVERY_HEADER = 'X-PerformanceFlow-Delivery';

export const createWebhookSender: ChannelFactory<WebhookSettings> = (id, settings, deps): ChannelSender => {
  const redact = channelRedactor(settings, webhookSettings.secretFields);
  const timeoutMs = parseDuration(settings.timeout);
  return {
    id,
    kind: 'webhook',
    async send(notification) {
      const body = JSON.stringify(renderWebhook(notification, { timezoneFor: deps.timezoneFor }));
      const headers: Record<string, string> = { ...settings.headers, [DELIVERY_HEADER]: notification.key };
      if (settings.secret) {
        const timestamp = Math.floor(deps.clock.now() / 1000);
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signWebhookBody(settings.secret, timestamp, body);
      }
      const outcome = await postJson({
        url: settings.url,
        body,
        headers,
        timeoutMs,
        redact,
        now: () => deps.clock.now(),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      deps.logger.debug('webhook send', { channel: id, key: notification.key, ...outcome });
      return outcome;
    },
  };
};
