import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProber } from '../../../src/probes/dns/probe.js';
import { dnsSettingsSchema } from '../../../src/probes/dns/settings.js';

const { Packet } = dns2;
type Resource = Partial<dns2.Packet.Resource>;

/** The zone the local responder serves; names outside it are NXDOMAIN, `broken.` names SERVFAIL. */
const ZONE: Record<string, Record<number, Resource[]>> = {
  'pfsw.example.org': {
    [Packet.TYPE.A]: [{ address: '10.1.2.3' }, { address: '10.1.2.4' }],
    [Packet.TYPE.AAAA]: [{ address: 'fd00::1' }],
    [Packet.TYPE.MX]: [{ exchange: 'mail.example.org', priority: 10 }],
    [Packet.TYPE.TXT]: [{ data: 'v=spf1 -all' }],
  },
  'alias.example.org': { [Packet.TYPE.CNAME]: [{ domain: 'pfsw.example.org' }] },
  '_ldap._tcp.example.org': { [Packet.TYPE.SRV]: [{ priority: 0, weight: 5, port: 389, target: 'dc1.example.org' }] },
};
const RCODE_NXDOMAIN = 3;
const RCODE_SERVFAIL = 2;

describe('dns prober against a local DNS responder', () => {
  let responder: dns2.UDPServer;
  let server: string;
  let silent: dgram.Socket;
  let silentServer: string;

  beforeAll(async () => {
    responder = dns2.createUDPServer((request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question?.name ?? '';
      if (name.startsWith('broken.')) {
        response.header.rcode = RCODE_SERVFAIL;
      } else if (!(name in ZONE)) {
        response.header.rcode = RCODE_NXDOMAIN;
      } else {
        for (const record of ZONE[name]?.[question?.type ?? 0] ?? []) {
          response.answers.push({
            name,
            type: question!.type,
            class: Packet.CLASS.IN,
            ttl: 60,
            ...record,
          } as dns2.Packet.Resource);
        }
      }
      void send(response);
    });
    await responder.listen(0, '127.0.0.1');
    server = `127.0.0.1:${(responder.address() as AddressInfo).port}`;

    // Takes queries and never answers: what a dead or firewalled resolver looks like.
    silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    silentServer = `127.0.0.1:${silent.address().port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => responder.close(() => resolve()));
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  const probe = (target: string, block: Record<string, unknown>, timeoutMs = 2_000) =>
    dnsProber(target, dnsSettingsSchema.parse({ server, ...block }), { timeoutMs });

  it.each([
    {
      name: 'A, both expected answers',
      target: 'pfsw.example.org',
      block: { valid_answers: ['^10\\.1\\.2\\.3$', '^10\\.1\\.2\\.4$'] },
      reason: undefined,
    },
    { name: 'A, no expectation', target: 'pfsw.example.org', block: {}, reason: undefined },
    {
      name: 'A, unexpected address',
      target: 'pfsw.example.org',
      block: { valid_answers: ['^10\\.9\\.9\\.9$'] },
      reason: 'answer_mismatch',
    },
    {
      name: 'A, one of two expected missing',
      target: 'pfsw.example.org',
      block: { valid_answers: ['^10\\.1\\.2\\.3$', '^10\\.1\\.2\\.5$'] },
      reason: 'answer_mismatch',
    },
    {
      name: 'A, forbidden answer',
      target: 'pfsw.example.org',
      block: { invalid_answers: ['^10\\.1\\.2\\.4$'] },
      reason: 'answer_mismatch',
    },
    {
      name: 'AAAA',
      target: 'pfsw.example.org',
      block: { record_type: 'AAAA', valid_answers: ['^fd00::1$'] },
      reason: undefined,
    },
    {
      name: 'MX as "priority exchange"',
      target: 'pfsw.example.org',
      block: { record_type: 'MX', valid_answers: ['^10 mail\\.example\\.org$'] },
      reason: undefined,
    },
    {
      name: 'TXT',
      target: 'pfsw.example.org',
      block: { record_type: 'TXT', valid_answers: ['^v=spf1'] },
      reason: undefined,
    },
    {
      name: 'CNAME',
      target: 'alias.example.org',
      block: { record_type: 'CNAME', valid_answers: ['^pfsw\\.example\\.org$'] },
      reason: undefined,
    },
    {
      name: 'SRV as "priority weight port target"',
      target: '_ldap._tcp.example.org',
      block: { record_type: 'SRV', valid_answers: ['^0 5 389 dc1\\.example\\.org$'] },
      reason: undefined,
    },
    {
      name: 'no records of the type, allowed',
      target: 'alias.example.org',
      block: { record_type: 'MX' },
      reason: undefined,
    },
    {
      name: 'no records of the type, required',
      target: 'alias.example.org',
      block: { record_type: 'MX', fail_if_no_answer: true },
      reason: 'answer_mismatch',
    },
    { name: 'NXDOMAIN', target: 'missing.example.org', block: {}, reason: 'dns' },
    { name: 'SERVFAIL', target: 'broken.example.org', block: {}, reason: 'dns' },
  ])('$name → $reason', async ({ target, block, reason }) => {
    const outcome = await probe(target, block);

    expect(outcome.success).toBe(reason === undefined);
    expect(outcome.failure?.reason).toBe(reason);
    expect(outcome.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the answers it got', async () => {
    const outcome = await probe('pfsw.example.org', {});

    expect(outcome.details).toEqual({ answers: 2, answer: '10.1.2.3, 10.1.2.4' });
  });

  it('names the answers when they do not match', async () => {
    const outcome = await probe('pfsw.example.org', { valid_answers: ['^10\\.9\\.9\\.9$'] });

    expect(outcome.failure?.message).toBe('no answer matches /^10\\.9\\.9\\.9$/ (got 10.1.2.3, 10.1.2.4)');
  });

  it.each([
    { target: 'missing.example.org', rcode: 'NXDOMAIN' },
    { target: 'broken.example.org', rcode: 'SERVFAIL' },
  ])('names the response code $rcode', async ({ target, rcode }) => {
    const outcome = await probe(target, {});

    expect(outcome.failure?.message).toBe(`A ${target} @${server}: ${rcode}`);
    expect(outcome.details).toEqual({ rcode });
  });

  it('reports a server port with nothing listening as refused', async () => {
    const released = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => released.bind(0, '127.0.0.1', resolve));
    const closedServer = `127.0.0.1:${released.address().port}`;
    await new Promise<void>((resolve) => released.close(() => resolve()));

    const outcome = await dnsProber('pfsw.example.org', dnsSettingsSchema.parse({ server: closedServer }), {
      timeoutMs: 2_000,
    });

    expect(outcome.failure).toEqual({
      reason: 'refused',
      message: `A pfsw.example.org @${closedServer}: ECONNREFUSED`,
    });
  });

  it('times out against a server that never answers', async () => {
    const outcome = await dnsProber('pfsw.example.org', dnsSettingsSchema.parse({ server: silentServer }), {
      timeoutMs: 300,
    });

    expect(outcome.failure).toEqual({ reason: 'timeout', message: `no answer from ${silentServer} within 300 ms` });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(299);
    expect(outcome.durationMs).toBeLessThan(800);
  });
});
