import * as z from 'zod';
import { duration } from './fields.js';

/**
 * The `grafana:` section: an Amazon Managed Grafana workspace the AWS deployment creates and fills
 * with the data source, a folder and every dashboard. Who may sign in and with what role comes from
 * here, never from clicks in the Grafana UI.
 */

/** Managed Grafana's versions from 12 on (the first with the AMP data source built in). */
export const GRAFANA_MIN_MAJOR = 12;
export const DEFAULT_GRAFANA_VERSION = '12.4';
export const GRAFANA_AUTHENTICATIONS = ['iam_identity_center', 'saml'] as const;
export type GrafanaAuthentication = (typeof GRAFANA_AUTHENTICATIONS)[number];

/** An IAM Identity Center group id, or a value of the SAML groups attribute. */
const group = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

const samlSchema = z
  .strictObject({
    metadata_url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    metadata_xml: z.string().min(1).optional(),
    groups_attribute: z
      .string()
      .min(1)
      .default('groups')
      .describe('The assertion attribute that carries the user’s groups (admin_groups are matched against it)'),
    login_attribute: z.string().min(1).default('mail').describe('The assertion attribute used as the login'),
    email_attribute: z.string().min(1).default('mail'),
    name_attribute: z.string().min(1).default('displayName'),
    login_validity: duration({ positive: true, atMost: '30d' })
      .prefault('8h')
      .describe('How long a sign-in lasts (Managed Grafana: loginValidityDuration, whole minutes)'),
  })
  .refine((saml) => (saml.metadata_url === undefined) !== (saml.metadata_xml === undefined), {
    message: 'give exactly one of metadata_url or metadata_xml (the IdP metadata)',
  });

export const grafanaSchema = z
  .strictObject({
    version: z
      .string()
      .regex(/^\d+\.\d+$/, 'must be a Managed Grafana version such as 12.4')
      .refine((text) => Number(text.split('.')[0]) >= GRAFANA_MIN_MAJOR, {
        message: `must be ${GRAFANA_MIN_MAJOR}.x or newer (the AMP data source and service-account tokens need it)`,
      })
      .default(DEFAULT_GRAFANA_VERSION)
      .describe('Managed Grafana version of the workspace'),
    authentication: z
      .enum(GRAFANA_AUTHENTICATIONS)
      .describe('How people sign in: iam_identity_center (AWS IAM Identity Center groups) or saml (your IdP)'),
    admin_groups: z
      .array(group)
      .min(1, 'name at least one group: someone must be able to administer the workspace')
      .describe('Groups given the Admin role (IAM Identity Center group ids, or SAML groups attribute values)'),
    viewer_groups: z
      .array(group)
      .default([])
      .describe(
        'IAM Identity Center group ids given the Viewer role: they see every dashboard and edit none. With saml, who may sign in is the IdP application’s assignment, and everyone not in admin_groups is a Viewer',
      ),
    saml: samlSchema.optional().describe('The SAML identity provider (authentication: saml only)'),
    folder: z
      .string()
      .min(1)
      .max(100)
      .default('PerformanceFlow')
      .describe('The Grafana folder the dashboards are put in'),
  })
  .superRefine((grafana, ctx) => {
    if (grafana.authentication === 'saml' && grafana.saml === undefined) {
      ctx.addIssue({ code: 'custom', path: ['saml'], message: 'authentication saml needs a saml: section' });
    }
    if (grafana.authentication !== 'saml' && grafana.saml !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['saml'], message: 'only for authentication: saml' });
    }
    if (grafana.authentication === 'saml' && grafana.viewer_groups.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['viewer_groups'],
        message:
          'with saml, who may sign in is decided by the IdP application’s assignment (everyone not in admin_groups is a Viewer): assign the viewer groups there and remove viewer_groups',
      });
    }
    const admins = new Set(grafana.admin_groups);
    grafana.viewer_groups.forEach((name, index) => {
      if (admins.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['viewer_groups', index],
          message: 'is also in admin_groups: a group has one role',
        });
      }
    });
  })
  .describe('An Amazon Managed Grafana workspace with the dashboards provisioned (AWS deployment only)');

export type GrafanaShape = z.output<typeof grafanaSchema>;

export interface GrafanaSamlSettings {
  readonly metadataUrl?: string;
  readonly metadataXml?: string;
  readonly groupsAttribute: string;
  readonly loginAttribute: string;
  readonly emailAttribute: string;
  readonly nameAttribute: string;
  readonly loginValidityMs: number;
}

export interface GrafanaSettings {
  readonly version: string;
  readonly authentication: GrafanaAuthentication;
  readonly adminGroups: readonly string[];
  readonly viewerGroups: readonly string[];
  readonly saml?: GrafanaSamlSettings;
  readonly folder: string;
}

export function grafanaSettings(shape: GrafanaShape): GrafanaSettings {
  return {
    version: shape.version,
    authentication: shape.authentication,
    adminGroups: shape.admin_groups,
    viewerGroups: shape.viewer_groups,
    ...(shape.saml && {
      saml: {
        ...(shape.saml.metadata_url !== undefined && { metadataUrl: shape.saml.metadata_url }),
        ...(shape.saml.metadata_xml !== undefined && { metadataXml: shape.saml.metadata_xml }),
        groupsAttribute: shape.saml.groups_attribute,
        loginAttribute: shape.saml.login_attribute,
        emailAttribute: shape.saml.email_attribute,
        nameAttribute: shape.saml.name_attribute,
        loginValidityMs: shape.saml.login_validity,
      },
    }),
    folder: shape.folder,
  };
}
