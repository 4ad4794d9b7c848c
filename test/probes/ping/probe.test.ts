import { describe, expect, it } from 'vitest';
import { parsePingOutput, pingCommand, probePing } from '../../../src/probes/ping/probe.js';
import { pingSettings, pingSettingsSchema } from '../../../src/probes/ping/settings.js';

const settings = (block: Record<string, unknown> = {}) => pingSettingsSchema.parse(block);

describe('ping probe against the system ping (iputils)', () => {
  it('127.0.0.1 answers: success, RTTs, no loss', async () => {
    const outcome = await probePing('127.0.0.1', settings({ count: 2 }), { timeoutMs: 3_000 });
    expect(outcome.success).toBe(true);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.details).toMatchObject({ sent: 2, received: 2, loss_percent: 0 });
    expect(outcome.details!.rtt_min_ms).toBeLessThanOrEqual(outcome.details!.rtt_max_ms as number);
    expect(outcome.durationMs).toBe(outcome.details!.rtt_avg_ms);
  });

  it('an unroutable TEST-NET-3 address: no reply, a failure with a reason, within the timeout', async () => {
    const started = performance.now();
    const outcome = await probePing('203.0.113.9', settings({ count: 1 }), { timeoutMs: 700 });
    expect(outcome.success).toBe(false);
    // Silence gives timeout; a router that answers "Destination Net Unreachable" gives connection.
    expect(['timeout', 'connection']).toContain(outcome.failure!.reason);
    expect(outcome.failure!.message).toMatch(/^no reply/);
    expect(outcome.details).toMatchObject({ sent: 1, received: 0, loss_percent: 100 });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a name that cannot resolve (.invalid is reserved never to resolve) is a dns failure', async () => {
    const outcome = await probePing('no-such-host.invalid', settings({ count: 1 }), { timeoutMs: 3_000 });
    expect(outcome.success).toBe(false);
    expect(outcome.failure!.reason).toBe('dns');
    expect(outcome.failure!.message).toMatch(/no-such-host\.invalid/);
  });

  it('an abort at shutdown ends the ping at once', async () => {
    const controller = new AbortController();
    const pending = probePing('203.0.113.9', settings({ count: 5, interval: '1s' }), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort();
    expect(await pending).toMatchObject({ success: false, failure: { reason: 'error', message: 'probe aborted' } });
  });
});

describe('ping command line and output', () => {
  it('builds -n -c -i -W with the reply wait inside the timeout, and -- before the target', () => {
    expect(pingCommand('10.1.2.3', settings({ count: 3, interval: '200ms', ip_protocol: 'ip4' }), 2_000)).toEqual({
      command: 'ping',
      args: ['-n', '-4', '-c', '3', '-i', '0.2', '-W', '1.5', '--', '10.1.2.3'],
    });
  });

  it('reads replies, ICMP errors and the statistics line', () => {
    const partial = [
      'PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.',
      '64 bytes from 10.0.0.9: icmp_seq=1 ttl=64 time=0.412 ms',
      'From 10.0.0.1 icmp_seq=2 Destination Host Unreachable',
      '',
      '--- 10.0.0.9 ping statistics ---',
      '3 packets transmitted, 1 received, +1 errors, 66.6667% packet loss, time 2003ms',
      'rtt min/avg/max/mdev = 0.412/0.412/0.412/0.000 ms',
    ].join('\n');
    expect(parsePingOutput(partial)).toEqual({
      transmitted: 3,
      received: 1,
      errors: 1,
      rttMs: [0.412],
      icmpError: 'Destination Host Unreachable',
    });
  });

  it('settings: defaults, and targets limited to a host name or an address (they become a command argument)', () => {
    expect(settings()).toEqual({ count: 3, interval: 200, max_loss_percent: 100 });
    expect(pingSettings.validateTarget('pacs-gw.ward.local')).toBeUndefined();
    expect(pingSettings.validateTarget('fd00::2')).toBeUndefined();
    expect(pingSettings.validateTarget('-f')).toMatch(/host name or an IP address/);
    expect(pingSettings.validateTarget('10.0.0.1:80')).toMatch(/without a port/);
    expect(pingSettingsSchema.safeParse({ count: 0 }).success).toBe(false);
  });
});
