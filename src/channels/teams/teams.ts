import { parseDuration } from '../../domain/duration.js';
import type { ChannelSender } from '../../domain/ports.js';
import { postJson } from '../common/http-post.js';
import { channelRedactor } from '../common/secrets.js';
import type { ChannelFactory } from '../types.js';
import { renderTeams } from './render.js';
import { teamsSettings, type TeamsSettings } from './settings.js';

/**
 * Posts to a Teams Workflows webhook. Any 2xx is success (Workflows answer 202 with an empty
 * body); the legacy connectors' "1"-in-the-body convention does not apply (facts §1.2).
 */
export const createTeamsSender: ChannelFactory<TeamsSettings> = (id, settings, deps): ChannelSender => {
  const redact = channelRedactor(settings, teamsSettings.secretFields);
  const timeoutMs = parseDuration(settings.timeout);
  return {
    id,
    kind: 'teams',
    async send(notification) {
      const payload = renderTeams(notification, { timezoneFor: deps.timezoneFor });
      const outcome = await postJson({
        url: settings.url,
        body: JSON.stringify(payload),
        timeoutMs,
        redact,
        now: () => deps.clock.now(),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      deps.logger.debug('teams send', { channel: id, key: notification.key, ...outcome });
      return outcome;
    },
  };
};
