import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const BASE = 'version: 1\nsites: [{ id: site-a }]\n';

function issues(text: string): string[] {
  try {
    parseDeploymentConfig(BASE + text, 'test.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('grafana: section', () => {
  it('defaults the version to 12.4 and the folder, and normalises the groups', () => {
    const config = parseDeploymentConfig(
      `${BASE}grafana:\n  authentication: iam_identity_center\n  admin_groups: [g-admins]\n  viewer_groups: [g-ward]\n`,
      'test.yaml',
      {},
    );
    expect(config.grafana).toEqual({
      version: '12.4',
      authentication: 'iam_identity_center',
      adminGroups: ['g-admins'],
      viewerGroups: ['g-ward'],
      folder: 'PerformanceFlow',
    });
  });

  it('reads the SAML settings, login validity in ms', () => {
    const config = parseDeploymentConfig(
      `${BASE}grafana:\n  authentication: saml\n  admin_groups: [admins]\n  saml:\n    metadata_xml: '<md/>'\n    groups_attribute: memberOf\n    login_validity: 90m\n`,
      'test.yaml',
      {},
    );
    expect(config.grafana?.saml).toEqual({
      metadataXml: '<md/>',
      groupsAttribute: 'memberOf',
      loginAttribute: 'mail',
      emailAttribute: 'mail',
      nameAttribute: 'displayName',
      loginValidityMs: 90 * 60_000,
    });
  });

  it.each([
    [
      'a version before 12',
      'grafana: { version: "10.4", authentication: iam_identity_center, admin_groups: [a] }',
      ['grafana.version: must be 12.x or newer (the AMP data source and service-account tokens need it)'],
    ],
    [
      'no admin group',
      'grafana: { authentication: iam_identity_center, admin_groups: [] }',
      ['grafana.admin_groups: name at least one group: someone must be able to administer the workspace'],
    ],
    [
      'saml without its section',
      'grafana: { authentication: saml, admin_groups: [a] }',
      ['grafana.saml: authentication saml needs a saml: section'],
    ],
    [
      'viewer groups with saml',
      'grafana: { authentication: saml, admin_groups: [a], viewer_groups: [v], saml: { metadata_url: "https://idp.example/m" } }',
      [
        'grafana.viewer_groups: with saml, who may sign in is decided by the IdP application’s assignment (everyone not in admin_groups is a Viewer): assign the viewer groups there and remove viewer_groups',
      ],
    ],
    [
      'both metadata forms',
      'grafana: { authentication: saml, admin_groups: [a], saml: { metadata_url: "https://idp.example/m", metadata_xml: "<x/>" } }',
      ['grafana.saml: give exactly one of metadata_url or metadata_xml (the IdP metadata)'],
    ],
    [
      'a saml section with identity center',
      'grafana: { authentication: iam_identity_center, admin_groups: [a], saml: { metadata_xml: "<x/>" } }',
      ['grafana.saml: only for authentication: saml'],
    ],
    [
      'a group in both roles',
      'grafana: { authentication: iam_identity_center, admin_groups: [a], viewer_groups: [b, a] }',
      ['grafana.viewer_groups[1]: is also in admin_groups: a group has one role'],
    ],
    [
      'an unknown key',
      'grafana: { authentication: iam_identity_center, admin_groups: [a], editors: [e] }',
      ['grafana.editors: unknown key'],
    ],
  ])('refuses %s with a message naming the field', (_name, section, expected) => {
    expect(issues(`${section}\n`)).toEqual(expected);
  });
});
