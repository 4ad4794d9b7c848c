import { describe, expect, it } from 'vitest';
import { routeChannelIds, routeEvent } from '../../../src/domain/routing/route.js';
import { alertEvent, channel, route } from '../../delivery/fixtures.js';

const routes = [
  route(['severity="critical"', 'site="site-a"'], ['pager', 'slack-a']),
  route(['site="site-a"'], ['slack-a', 'email-a'], { continue: true, groupWaitMs: 30_000 }),
  route(['target=~"https://pfsw\\\\..*"'], ['teams', 'email-a']),
  route([], ['logdrop']),
];

describe('routeEvent', () => {
  it.each([
    { name: 'first match wins', event: alertEvent(), want: ['pager', 'slack-a'] },
    {
      name: 'continue goes on to the next match, without repeating a channel',
      event: alertEvent({ rule: { id: 'disk', name: 'Disk', severity: 'warning' } }),
      want: ['slack-a', 'email-a', 'teams'],
    },
    {
      name: 'continue then the catch-all when the regex does not match',
      event: alertEvent({
        rule: { id: 'disk', name: 'Disk', severity: 'warning' },
        labels: { target: 'http://other' },
      }),
      want: ['slack-a', 'email-a', 'logdrop'],
    },
    {
      name: 'catch-all for anything else',
      event: alertEvent({ site: 'site-b', labels: { target: 'x' } }),
      want: ['logdrop'],
    },
    { name: 'regex matches on event labels', event: alertEvent({ site: 'site-b' }), want: ['teams', 'email-a'] },
  ])('$name', ({ event, want }) => {
    expect(routeChannelIds(event, routes)).toEqual(want);
  });

  it('uses the group_wait of the first route that named the channel', () => {
    const targets = routeEvent(alertEvent({ rule: { id: 'disk', name: 'Disk', severity: 'warning' } }), routes);
    expect(targets).toEqual([
      { channel: 'slack-a', routeIndex: 1, groupWaitMs: 30_000 },
      { channel: 'email-a', routeIndex: 1, groupWaitMs: 30_000 },
      { channel: 'teams', routeIndex: 2, groupWaitMs: 0 },
    ]);
  });

  it('matches state, severity, rule and alertname as routing labels', () => {
    const byState = [route(['state="resolved"'], ['quiet']), route(['alertname="PFSW login down"'], ['loud'])];
    expect(routeChannelIds(alertEvent({ state: 'resolved' }), byState)).toEqual(['quiet']);
    expect(routeChannelIds(alertEvent(), byState)).toEqual(['loud']);
  });

  it('drops resolved events for channels with sendResolved false, and only those', () => {
    const channels = [channel('pager', { sendResolved: false }), channel('slack-a')];
    expect(routeChannelIds(alertEvent({ state: 'resolved' }), routes, channels)).toEqual(['slack-a']);
    expect(routeChannelIds(alertEvent({ state: 'firing' }), routes, channels)).toEqual(['pager', 'slack-a']);
  });

  it('an escalation tier goes to its own channels only; those escalation told hear the ack and the resolution', () => {
    const channels = [channel('pager'), channel('slack-a'), channel('oncall'), channel('manager')];
    const tier = alertEvent({ escalation: { tier: 2, channels: ['manager', 'oncall'] } });
    expect(routeChannelIds(tier, routes, channels)).toEqual(['manager', 'oncall']);
    const resolved = alertEvent({ state: 'resolved', alsoNotify: ['oncall', 'slack-a', 'not-configured'] });
    expect(routeChannelIds(resolved, routes, channels)).toEqual(['pager', 'slack-a', 'oncall']);
  });

  it('routes nowhere when nothing matches', () => {
    expect(routeChannelIds(alertEvent(), [route(['site="elsewhere"'], ['x'])])).toEqual([]);
  });
});
