import { afterEach, describe, expect, it } from 'vitest';
import {
  mulberry32,
  startHttpReceiver,
  validateSlackPayload,
  validateTeamsPayload,
  type HttpReceiver,
} from '../../support/http-receiver.js';

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('http receiver (test support)', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('answers one-shot replies first, then the default, and records each request', async () => {
    receiver = await startHttpReceiver();
    receiver.replyOnce({ status: 500, body: 'first' });
    expect((await post(receiver.urlFor('/a'), '{}')).status).toBe(500);
    expect(await (await post(receiver.urlFor('b'), '{}')).text()).toBe('ok');
    expect(receiver.requests.map((request) => [request.path, request.answeredWith])).toEqual([
      ['/a', 500],
      ['/b', 200],
    ]);
  });

  it('fails the same seeded fraction on every run', async () => {
    const run = async () => {
      const r = await startHttpReceiver();
      r.failRandomly({ fraction: 0.3, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post(r.url, '{}')).status);
      await r.close();
      return statuses;
    };
    const [first, second] = [await run(), await run()];
    expect(first).toEqual(second);
    const failures = first.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(20);
    expect(mulberry32(1)()).toBe(mulberry32(1)());
  });

  it('throttles bursts with 429 and Retry-After on an injected clock', async () => {
    let now = 0;
    receiver = await startHttpReceiver({ now: () => now });
    receiver.throttle({ burst: 2, perSecond: 1, retryAfterSeconds: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(receiver.url, '{}')).status);
    now = 1000;
    const after = await post(receiver.url, '{}');
    expect(statuses).toEqual([200, 200, 429]);
    expect(after.status).toBe(200);
    receiver.replyOnce({ status: 200 });
    const limited = await post(receiver.url, '{}');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
  });

  it('resolves waitForRequests and closes with a request still hanging', async () => {
    receiver = await startHttpReceiver({ reply: { hang: true } });
    const pending = post(receiver.url, '{}').catch((error: unknown) => error);
    await receiver.waitForRequests(1);
    await receiver.close();
    receiver = undefined;
    expect(await pending).toBeInstanceOf(Error);
  });

  it.each([
    ['no text', { attachments: [{ blocks: [{ type: 'divider' }] }] }, /no top-level text/],
    ['51 blocks', { text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, /51 blocks/],
    [
      'long header',
      { text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
      /151 chars/,
    ],
    [
      '11 fields',
      {
        text: 't',
        blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      },
      /11 fields/,
    ],
    ['bad color', { text: 't', attachments: [{ color: 'red', blocks: [{ type: 'divider' }] }] }, /color/],
  ])('the Slack validator catches %s', (_name, payload, problem) => {
    const raw = JSON.stringify(payload);
    expect(validateSlackPayload(payload, raw, { 'content-type': 'application/json' }).join('\n')).toMatch(problem);
  });

  it.each([
    ['a MessageCard', { '@type': 'MessageCard', text: 'x' }, /type is undefined/],
    ['version 1.6', card({ version: '1.6' }), /1.6/],
    ['no wrap', card({ body: [{ type: 'TextBlock', text: 'x' }] }), /wrap/],
    ['Action.Submit', card({ actions: [{ type: 'Action.Submit' }] }), /not supported/],
    ['30 KB', card({ body: [{ type: 'TextBlock', text: 'x'.repeat(30_000), wrap: true }] }), /bytes/],
  ])('the Teams validator catches %s', (_name, payload, problem) => {
    const raw = JSON.stringify(payload);
    expect(validateTeamsPayload(payload, raw, { 'content-type': 'application/json' }).join('\n')).toMatch(problem);
  });
});

function card(overrides: Record<string, unknown>) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [{ type: 'TextBlock', text: 'x', wrap: true }],
          ...overrides,
        },
      },
    ],
  };
}
