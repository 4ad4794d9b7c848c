import { jsonPostSender } from '../common/json-post-sender.js';
import type { ChannelFactory } from '../types.js';
import { renderWebhook } from './render.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';
import type { WebhookSettings } from './settings.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './signature.js';

export const DELIVERY_HEADER = 'X-PerformanceFlow-Delivery';

export const createWebhookSender: ChannelFactory<WebhookSettings> = jsonPostSender({
  kind: 'webhook',
  secretFields: CHANNEL_SECRET_FIELDS.webhook,
  request: (notification, settings, deps) => {
    const body = JSON.stringify(renderWebhook(notification, { timezoneFor: deps.timezoneFor }));
    const headers: Record<string, string> = { ...settings.headers, [DELIVERY_HEADER]: notification.key };
    if (settings.secret) {
      const timestamp = Math.floor(deps.clock.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signWebhookBody(settings.secret, timestamp, body);
    }
    return { body, headers };
  },
});
