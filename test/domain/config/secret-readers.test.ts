import { describe, expect, it } from 'vitest';
import type { BundledConfigDocument } from '../../../src/domain/config/bundled.js';
import { bundleConfigDocument } from '../../../src/domain/config/deploy.js';
import { readsSecret, secretReaders } from '../../../src/domain/config/secret-readers.js';

describe('which functions read each secret', () => {
  it("gives a channel's settings to its own deliver function, a log drop's to the ingest too", () => {
    expect(
      secretReaders({
        channels: [
          { id: 'ops', kind: 'slack', settings: { url: '${SLACK_URL}' } },
          { id: 'hook', kind: 'webhook', settings: { url: 'https://x.example/', headers: { A: 'Bearer ${HOOK}' } } },
          { id: 'drop', kind: 'logdrop', settings: { target: 's3', bucket: '${BUCKET}' } },
        ],
      }),
    ).toEqual({ SLACK_URL: ['deliver:ops'], HOOK: ['deliver:hook'], BUCKET: ['deliver:drop', 'ingest'] });
  });

  it('gives the acknowledge key to every deliver function and the lifecycle API, a pulled agent to collect', () => {
    expect(
      secretReaders({
        acknowledge: { linkKey: '${ACK}' },
        aws: { pull: { agents: [{ id: 'lab', url: '${LAB_URL}', token: '${LAB_TOKEN}' }] } },
      }),
    ).toEqual({ ACK: ['deliver', 'lifecycleApi'], LAB_URL: ['collect'], LAB_TOKEN: ['collect'] });
  });

  it("gives a probe's settings to the probe function, its target to the probe and report functions", () => {
    expect(
      secretReaders({
        probes: [
          {
            id: 'p',
            target: 'https://u:${PROBE_PASSWORD}@x.example/',
            labels: { team: '${TEAM}' },
            settings: { headers: { authorization: 'Bearer ${PROBE_TOKEN}' } },
          },
        ],
      }),
    ).toEqual({ PROBE_PASSWORD: ['probe', 'report'], PROBE_TOKEN: ['probe'], TEAM: undefined });
  });

  it('gives a secret anywhere else to every function, also when it is in a narrowed section as well', () => {
    expect(
      secretReaders({
        channels: [
          { id: 'ops', kind: 'slack', settings: { url: '${SHARED}' } },
          { id: '${CHANNEL_ID}', kind: 'slack', settings: { url: '${UNDER_SECRET_ID}' } },
        ],
        ruleGroups: [{ rules: [{ annotations: { runbook: '${SHARED}' } }] }],
        grafana: { token: '${GRAFANA}' },
      }),
    ).toEqual({
      SHARED: undefined,
      CHANNEL_ID: undefined,
      UNDER_SECRET_ID: undefined,
      GRAFANA: undefined,
    });
  });

  it('does not take an escaped $${ for a reference', () => {
    expect(secretReaders({ channels: [{ id: 'ops', kind: 'slack', settings: { url: '$${NOT_A_SECRET}' } }] })).toEqual(
      {},
    );
  });

  it('records them in the bundled config, judged on the normalised document', () => {
    const document = JSON.parse(
      bundleConfigDocument(
        {
          version: 1,
          sites: [{ id: 'site-a' }],
          channels: [
            { id: 'ops', kind: 'slack', slack: { url: '${SLACK_WEBHOOK_URL}' } },
            {
              id: 'mail',
              kind: 'email',
              email: {
                host: 'mail.example',
                from: 'a@b.example',
                to: ['c@d.example'],
                username: 'u',
                password: '${SMTP_PASSWORD}',
              },
            },
          ],
          probes: [{ id: 'portal', site: 'site-a', kind: 'http', target: 'https://portal.example/?k=${PROBE_KEY}' }],
        },
        'doc',
        'fp',
      ),
    ) as BundledConfigDocument;
    expect(
      Object.fromEntries(Object.entries(document.secrets).map(([name, secret]) => [name, secret.readers])),
    ).toEqual({
      PROBE_KEY: ['probe', 'report'],
      SLACK_WEBHOOK_URL: ['deliver:ops'],
      SMTP_PASSWORD: ['deliver:mail'],
    });
  });

  it('lets a function read a secret it is a reader of, and every secret without readers', () => {
    expect(readsSecret(['deliver:ops'], { fn: 'deliver', channel: 'ops' })).toBe(true);
    expect(readsSecret(['deliver:ops'], { fn: 'deliver', channel: 'ward' })).toBe(false);
    expect(readsSecret(['deliver:ops'], { fn: 'rule' })).toBe(false);
    expect(readsSecret(['deliver', 'lifecycleApi'], { fn: 'deliver', channel: 'ward' })).toBe(true);
    expect(readsSecret(['deliver', 'lifecycleApi'], { fn: 'lifecycleApi' })).toBe(true);
    expect(readsSecret(['deliver', 'lifecycleApi'], { fn: 'escalate' })).toBe(false);
    expect(readsSecret(undefined, { fn: 'rule' })).toBe(true);
  });
});
