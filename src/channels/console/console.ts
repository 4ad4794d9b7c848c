import type { DeliveryOutcome, Notification } from '../../domain/notification/outcome.js';
import type { ChannelFactory } from '../types.js';
import { renderReportText } from '../../domain/report/render-text.js';
import { renderConsoleLines } from './render.js';
import type { ConsoleSettings } from './settings.js';

/** Prints each event on the terminal; nothing can fail, so every send is delivered. */
export const createConsoleSender: ChannelFactory<ConsoleSettings> = (id, settings, deps) => {
  const print = deps.stdout ?? ((line: string) => console.log(line));
  return {
    id,
    kind: 'console',
    async send(notification: Notification): Promise<DeliveryOutcome> {
      const lines = notification.report
        ? renderReportText(notification.report).trimEnd().split('\n')
        : renderConsoleLines(notification.events, settings.format, deps.timezoneFor);
      for (const line of lines) print(line);
      return { status: 'delivered', detail: `${lines.length} line(s)` };
    },
  };
};
