import { jsonPostSender } from '../common/json-post-sender.js';
import type { ChannelFactory } from '../types.js';
import { renderReportTeams } from '../../domain/report/render-chat.js';
import { renderTeams } from './render.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';
import type { TeamsSettings } from './settings.js';

/**
 * Posts to a Teams Workflows webhook. Any 2xx is success (Workflows answer 202 with an empty
 * body); the legacy connectors' "1"-in-the-body convention does not apply (facts §1.2).
 */
export const createTeamsSender: ChannelFactory<TeamsSettings> = jsonPostSender({
  kind: 'teams',
  secretFields: CHANNEL_SECRET_FIELDS.teams,
  request: (notification, _settings, deps) => ({
    body: JSON.stringify(
      notification.report
        ? renderReportTeams(notification.report)
        : renderTeams(notification, { timezoneFor: deps.timezoneFor, ackLinkFor: deps.ackLinkFor }),
    ),
  }),
});
