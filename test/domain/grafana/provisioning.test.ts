import { describe, expect, it } from 'vitest';
import { DATASOURCES } from '../../../dashboards/src/datasources.js';
import { dashboardUpsert, dataSourceFor, roleChanges } from '../../../src/domain/grafana/provisioning.js';

describe('dataSourceFor', () => {
  it('gives each metric store the type its committed dashboards name, signing with the workspace role', () => {
    const amp = dataSourceFor(
      {
        backend: 'amp',
        region: 'eu-west-1',
        workspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
      },
      DATASOURCES.amp,
    );
    expect(amp).toMatchObject({
      uid: 'pflow-amp',
      type: DATASOURCES.amp.type,
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
    });
    const timestream = dataSourceFor(
      { backend: 'timestream', region: 'eu-central-1', database: 'db-1' },
      DATASOURCES.timestream,
    );
    expect(timestream).toEqual({
      uid: 'pflow-timestream',
      name: DATASOURCES.timestream.name,
      type: DATASOURCES.timestream.type,
      access: 'proxy',
      isDefault: true,
      jsonData: { authType: 'ec2_iam_role', defaultRegion: 'eu-central-1', defaultDatabase: 'db-1' },
    });
  });
});

describe('dashboardUpsert', () => {
  it('drops the instance id and overwrites in the folder', () => {
    expect(
      dashboardUpsert({ file: 'd.json', model: { id: 3, uid: 'u', title: 'T', version: 9 } }, 'pflow', 'h1'),
    ).toEqual({
      uid: 'u',
      title: 'T',
      body: {
        dashboard: { uid: 'u', title: 'T', version: 9 },
        folderUid: 'pflow',
        overwrite: true,
        message: 'PerformanceFlow deploy h1',
      },
    });
  });
});

describe('roleChanges', () => {
  it.each([
    [
      'first deploy: adds both roles',
      undefined,
      { adminGroups: ['a'], viewerGroups: ['v'] },
      [
        { action: 'ADD', role: 'ADMIN', groups: ['a'] },
        { action: 'ADD', role: 'VIEWER', groups: ['v'] },
      ],
    ],
    [
      'a viewer group promoted to admin: revoked as viewer, added as admin',
      { adminGroups: ['a'], viewerGroups: ['v'] },
      { adminGroups: ['a', 'v'], viewerGroups: [] },
      [
        { action: 'REVOKE', role: 'VIEWER', groups: ['v'] },
        { action: 'ADD', role: 'ADMIN', groups: ['a', 'v'] },
      ],
    ],
    [
      'nothing changed: re-adds (idempotent, repairs a hand-made removal)',
      { adminGroups: ['a'], viewerGroups: [] },
      { adminGroups: ['a'], viewerGroups: [] },
      [{ action: 'ADD', role: 'ADMIN', groups: ['a'] }],
    ],
  ] as const)('%s', (_name, previous, next, expected) => {
    expect(roleChanges(previous, next)).toEqual(expected);
  });
});
