import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../../src/domain/alerts/event.js';

/**
 * A sample firing alert event ("PFSW login down" at site-a) for tests and benchmarks; override
 * what a test is about. The channels' golden files are rendered from it, so a change here
 * changes them too (rewrite with UPDATE_GOLDEN=1).
 */
export function alertEvent(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: 'site-a/pfsw-login/0123456789abcdef/2026-03-02T08:15:00.000Z/firing',
    site: 'site-a',
    rule: { id: 'pfsw-login', name: 'PFSW login down', severity: 'critical' },
    state: 'firing',
    previousState: 'pending',
    value: 0,
    threshold: { op: '<', value: 1 },
    labels: { probe: 'pfsw-login', target: 'https://pfsw.site-a.example/login', team: 'clinical-apps' },
    annotations: {
      summary: 'PFSW login page is not answering',
      description: 'The HTTP probe has failed for 5 minutes.',
      runbook: 'https://wiki.example/runbooks/pfsw-login',
      dashboard: 'https://grafana.example/d/pfsw?var-site=site-a',
    },
    startsAt: '2026-03-02T08:15:00.000Z',
    endsAt: null,
    evaluatedAt: '2026-03-02T08:15:00.000Z',
    ...overrides,
  };
}
