import * as z from 'zod';
import { durationSetting } from '../common/settings.js';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

// A plain address; the schema checks shape only, the relay or SES decides deliverability.
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
// `alerts@example.org` or `PerformanceFlow <alerts@example.org>`.
const MAILBOX = /^(?:[^<>\r\n]*<[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+>|[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+)$/;

/** An address, or `oncall:<team>`: whoever is on call for that team when the message is sent. */
const recipient = z
  .string()
  .refine(
    (text) => ADDRESS.test(text) || /^oncall:[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text),
    'must be an email address such as oncall@example.org',
  );
const mailbox = z
  .string()
  .regex(MAILBOX, 'must be an email address, optionally with a name: "PerformanceFlow <alerts@example.org>"');

const recipients = {
  /** The sender; SES requires it to be a verified identity. */
  from: mailbox,
  to: z.array(recipient).min(1, 'needs at least one recipient'),
  cc: z.array(recipient).default([]),
};

/** SMTP, through nodemailer: the local runtime and on-prem relays. */
export const emailSmtpSchema = z
  .strictObject({
    transport: z.literal('smtp').default('smtp'),
    ...recipients,
    host: z.string().min(1),
    /** Default 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Implicit TLS from the first byte (port 465). */
    secure: z.boolean().default(false),
    /** Refuse to send unless the server upgrades with STARTTLS. */
    require_tls: z.boolean().default(false),
    /** Check the server's certificate; turn off only for a relay with a private certificate. */
    tls_verify: z.boolean().default(true),
    username: z.string().min(1).optional(),
    /** A secret: write `${SMTP_PASSWORD}` and keep the value in the environment. */
    password: z.string().min(1).optional(),
    /** Limit for connecting, the greeting, and each command. */
    timeout: durationSetting('10s'),
  })
  .superRefine((value, ctx) => {
    if ((value.username === undefined) !== (value.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [value.username === undefined ? 'username' : 'password'],
        message: 'username and password go together',
      });
    }
    if (value.secure && value.require_tls) {
      ctx.addIssue({
        code: 'custom',
        path: ['require_tls'],
        message: 'applies to STARTTLS only; with secure: true the connection is TLS from the start',
      });
    }
  });

/** Amazon SES (v2 SendEmail, SES building the message from subject, text and HTML): the AWS deployment. */
export const emailSesSchema = z.strictObject({
  transport: z.literal('ses'),
  ...recipients,
  /** Defaults to the SDK's region resolution (AWS_REGION in Lambda). */
  region: z.string().min(1).optional(),
  /** An SES-compatible endpoint, e.g. a local test server. */
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** SES configuration set, for event publishing (bounces, complaints, deliveries). */
  configuration_set: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
    .optional(),
});

export const emailSettingsSchema = z.discriminatedUnion('transport', [emailSmtpSchema, emailSesSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'must be "smtp" or "ses"' : undefined),
});

export type EmailSmtpSettings = z.infer<typeof emailSmtpSchema>;
export type EmailSesSettings = z.infer<typeof emailSesSchema>;
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

export const emailSettings: ChannelKindSettings<EmailSettings> = {
  schema: emailSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.email,
};
