import type { OnCallMember } from '../domain/lifecycle/oncall.js';
import type { AlertEvent } from '../domain/alerts/event.js';
import type { ZodType } from 'zod';
import type { ChannelSender, Clock, Logger } from '../domain/ports.js';

/** The pure half of a channel kind: its settings schema (used by config validation). */
export interface ChannelKindSettings<Settings> {
  readonly schema: ZodType<Settings>;
  /** Names of settings fields that hold secrets, for redaction. */
  readonly secretFields: readonly string[];
  /** Messages per second a receiver of this kind accepts (Slack: about 1 per webhook); none when absent. */
  readonly defaultRateLimitPerSecond?: number;
}

/** What a channel may need from outside; each channel takes only what it uses. */
export interface ChannelDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Injected so tests and the runtime share one implementation; defaults to global fetch. */
  readonly fetch?: typeof fetch;
  /** Root of the local data directory (for the file log drop). */
  readonly dataDir: string;
  /** IANA zone of the site, for times shown to people. */
  readonly timezoneFor: (site: string) => string;
  /** A signed Acknowledge link for a firing event (email, Slack and Teams show it); see SummariseOptions. */
  readonly ackLinkFor?: (event: AlertEvent) => string | undefined;
  /** Whoever is on call for a team now (`oncall:<team>` recipients), resolved at send time. */
  readonly onCall?: (team: string) => OnCallMember | undefined;
  /** Writes a line to the terminal, for the console channel. */
  readonly stdout?: (line: string) => void;
  /** Clients for AWS-backed transports, injected so tests point them at local servers. */
  readonly aws?: { readonly ses?: unknown; readonly s3?: unknown; readonly sns?: unknown };
}

/** The I/O half: builds the sender for one configured channel. */
export type ChannelFactory<Settings> = (id: string, settings: Settings, deps: ChannelDeps) => ChannelSender;
