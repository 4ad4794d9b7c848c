import { parseDuration } from '../../domain/duration.js';
import type { Notification } from '../../domain/notification/outcome.js';
import type { ChannelSender } from '../../domain/ports.js';
import type { ChannelDeps, ChannelFactory } from '../types.js';
import { postJson, type HttpPostRequest } from './http-post.js';
import { channelRedactor } from './secrets.js';

/** The settings every JSON-over-HTTP channel has. */
export interface JsonPostSettings {
  readonly url: string;
  readonly timeout: string;
}

/** One request's exact body (what a signature covers) and its extra headers. */
export interface JsonPostRequest {
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a JSON-over-HTTP channel adds to the shared sender: how it renders, and how it reads answers. */
export interface JsonPostChannel<Settings extends JsonPostSettings> {
  readonly kind: string;
  readonly secretFields: readonly string[];
  request(notification: Notification, settings: Settings, deps: ChannelDeps): JsonPostRequest;
  readonly interpret?: HttpPostRequest['interpret'];
}

/**
 * The sender factory of a channel that POSTs one JSON body per notification (Slack, Teams,
 * webhook): redactor and timeout built once, every send through `postJson`, one debug line.
 */
export function jsonPostSender<Settings extends JsonPostSettings>(
  channel: JsonPostChannel<Settings>,
): ChannelFactory<Settings> {
  return (id, settings, deps): ChannelSender => {
    const redact = channelRedactor(settings, channel.secretFields);
    const timeoutMs = parseDuration(settings.timeout);
    return {
      id,
      kind: channel.kind,
      async send(notification) {
        const { body, headers } = channel.request(notification, settings, deps);
        const outcome = await postJson({
          url: settings.url,
          body,
          headers,
          timeoutMs,
          redact,
          now: () => deps.clock.now(),
          interpret: channel.interpret,
          fetch: deps.fetch,
        });
        deps.logger.debug(`${channel.kind} send`, { channel: id, key: notification.key, ...outcome });
        return outcome;
      },
    };
  };
}
