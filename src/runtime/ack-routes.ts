import { randomBytes } from 'node:crypto';
import { refusalText, signAckLink, verifyAckLink } from '../domain/lifecycle/ack-link.js';
import type { AlertEvent } from '../domain/alerts/event.js';
import { parseDuration } from '../domain/duration.js';
import type { Clock } from '../domain/ports.js';
import type { AckAnswer, AckService } from '../services/acknowledge.js';
import type { ApiActions, ApiReply, ApiRoutes } from './api-server.js';
import { authorize, parseJsonBody } from './silence-routes.js';

/** Settings of signed acknowledge links: the HMAC key, where the links point, and how long they last. */
export interface AckLinkSettings {
  readonly key: string;
  /** The origin people reach the API at, e.g. https://pflow.hospital.example (no trailing slash). */
  readonly baseUrl: string;
  readonly ttlMs: number;
}

/** Makes the Acknowledge link for a firing event at send time; a new nonce every time. */
export function ackLinkMaker(settings: AckLinkSettings, clock: Clock): (event: AlertEvent) => string | undefined {
  return (event) => {
    const [, ruleId, fingerprint] = event.id.split('/');
    if (ruleId === undefined || fingerprint === undefined) return undefined;
    const token = signAckLink(
      {
        alertKey: `${ruleId}/${fingerprint}`,
        site: event.site,
        incarnation: Date.parse(event.startsAt),
        expiresAt: clock.now() + settings.ttlMs,
        nonce: randomBytes(16).toString('base64url'),
      },
      settings.key,
    );
    return `${settings.baseUrl.replace(/\/+$/, '')}/ack/${token}`;
  };
}

/**
 * `POST /api/alerts/ack` and `/api/alerts/unack` (local API token), `GET /api/acks` (audit), and
 * the signed link's `/ack/<token>`: a GET shows a confirmation page and never acknowledges (mail
 * scanners follow links); only the page's button, a POST, does.
 */
export function ackRoutes(
  service: AckService,
  audit: (alert?: string) => unknown[],
  links: AckLinkSettings | undefined,
  clock: Clock,
): ApiRoutes {
  return (url) => {
    if (url.pathname === '/api/acks') {
      return { status: 200, body: { acks: audit(url.searchParams.get('alert') ?? undefined) } };
    }
    const match = /^\/ack\/([^/]+)$/.exec(url.pathname);
    if (!match) return undefined;
    if (links === undefined) return page(404, 'Not available', 'Acknowledge links are not configured here.');
    const verified = verifyAckLink(match[1]!, links.key, clock.now());
    if (!verified.ok)
      return page(verified.reason === 'expired' ? 410 : 403, 'Link refused', refusalText(verified.reason));
    const found = service.find(verified.claims.alertKey);
    if (!('state' in found)) return page(410, 'Nothing to acknowledge', refusalText('not_firing'));
    const state = found.state;
    if ((state.firingSince ?? state.since) !== verified.claims.incarnation) {
      return page(410, 'Nothing to acknowledge', refusalText('not_firing'));
    }
    return confirmationPage(state.ruleId, verified.claims.site, new Date(verified.claims.incarnation).toISOString());
  };
}

export function ackActions(
  service: AckService,
  links: AckLinkSettings | undefined,
  clock: Clock,
  token: string,
): ApiActions {
  return async (request) => {
    const path = request.url.pathname;
    const link = /^\/ack\/([^/]+)$/.exec(path);
    if (link) {
      if (links === undefined) return page(404, 'Not available', 'Acknowledge links are not configured here.');
      const verified = verifyAckLink(link[1]!, links.key, clock.now());
      if (!verified.ok)
        return page(verified.reason === 'expired' ? 410 : 403, 'Link refused', refusalText(verified.reason));
      const form = new URLSearchParams(request.body);
      const answer = await service.acknowledge({
        alert: verified.claims.alertKey,
        by: form.get('by') ?? '',
        reason: form.get('reason') ?? '',
        source: 'link',
        remote: request.remote,
        link: { incarnation: verified.claims.incarnation, nonce: verified.claims.nonce },
      });
      return answerPage(answer);
    }
    if (path !== '/api/alerts/ack' && path !== '/api/alerts/unack') return undefined;
    const refused = authorize(request, token);
    if (refused) return refused;
    const body = parseJsonBody(request);
    if ('error' in body) return body.error;
    const text = (name: string) => (typeof body.value[name] === 'string' ? (body.value[name] as string) : undefined);
    const alert = text('alert');
    if (alert === undefined || alert === '') {
      return {
        status: 400,
        body: { error: 'invalid request', problems: ['alert: the alert key (or rule id) is required'] },
      };
    }
    const base = {
      alert,
      by: text('by') ?? '',
      reason: text('reason') ?? '',
      source: 'api' as const,
      remote: request.remote,
    };
    if (path === '/api/alerts/unack') {
      const answer = await service.unacknowledge(base);
      if (answer.outcome === 'unacknowledged' || answer.outcome === 'was_not_acknowledged')
        return { status: 200, body: answer };
      return jsonAnswer(answer as AckAnswer);
    }
    let expiresInMs: number | undefined;
    const expires = text('expires');
    if (expires !== undefined) {
      try {
        expiresInMs = parseDuration(expires);
      } catch (error) {
        return { status: 400, body: { error: 'invalid request', problems: [`expires: ${(error as Error).message}`] } };
      }
    }
    return jsonAnswer(await service.acknowledge({ ...base, ...(expiresInMs !== undefined && { expiresInMs }) }));
  };
}

function jsonAnswer(answer: AckAnswer): ApiReply {
  switch (answer.outcome) {
    case 'acknowledged':
    case 'already_acknowledged':
      return {
        status: 200,
        body: {
          outcome: answer.outcome,
          alert: answer.alertKey,
          auditId: answer.auditId,
          acknowledgedBy: answer.ack.by,
          reason: answer.ack.reason,
          at: new Date(answer.ack.at).toISOString(),
          ...(answer.ack.expiresAt !== undefined && { expiresAt: new Date(answer.ack.expiresAt).toISOString() }),
        },
      };
    case 'invalid':
      return { status: 400, body: { error: 'invalid request', problems: answer.problems } };
    case 'not_found':
      return { status: 404, body: { error: answer.message } };
    case 'ambiguous':
    case 'not_firing':
    case 'replayed':
      return { status: 409, body: { error: answer.message } };
  }
}

function answerPage(answer: AckAnswer): ApiReply {
  switch (answer.outcome) {
    case 'acknowledged':
      return page(200, 'Acknowledged', `Acknowledged by ${answer.ack.by}. The channels that were told are updated.`);
    case 'already_acknowledged':
      return page(
        200,
        'Already acknowledged',
        `${answer.ack.by} had already acknowledged it: ${answer.ack.reason}. Your acknowledgement is recorded too.`,
      );
    case 'invalid':
      return page(400, 'Not acknowledged', `Please fill in your name and a reason. ${answer.problems.join(' ')}`);
    case 'replayed':
      return page(409, 'Link refused', refusalText('replayed'));
    case 'not_found':
    case 'ambiguous':
    case 'not_firing':
      return page(410, 'Nothing to acknowledge', refusalText('not_firing'));
  }
}

/** Served with a nonce for its one inline stylesheet: nothing else may load, run or frame it. */
function htmlReply(status: number, body: string): ApiReply {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PerformanceFlow · Acknowledge</title>
<style nonce="${nonce}">
body{font:16px/1.5 system-ui,sans-serif;background:#10151c;color:#e8edf3;margin:0;padding:2rem}
main{max-width:32rem;margin:auto}label{display:block;margin-top:1rem}
input,textarea{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;background:#1b2430;color:inherit;border:1px solid #4a5a6e}
button{margin-top:1.5rem;padding:.75rem 1.5rem;font:inherit;font-weight:600;background:#f57c00;color:#000;border:0;cursor:pointer}
button:focus,input:focus,textarea:focus{outline:3px solid #90caf9}
</style></head><body><main>${body}</main></body></html>
`;
  return {
    status,
    raw: html,
    contentType: 'text/html; charset=utf-8',
    headers: {
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
}

function page(status: number, heading: string, text: string): ApiReply {
  return htmlReply(status, `<h1>${escapeHtml(heading)}</h1><p role="status">${escapeHtml(text)}</p>`);
}

function confirmationPage(rule: string, site: string, since: string): ApiReply {
  return htmlReply(
    200,
    `<h1>Acknowledge this alert?</h1>
<p>Rule <strong>${escapeHtml(rule)}</strong> at site <strong>${escapeHtml(site)}</strong>, firing since ${escapeHtml(since)}.</p>
<p>Acknowledging says you own it: reminders and escalation stop, and the channels that were told hear who and why.</p>
<form method="post">
<label for="by">Your name</label><input id="by" name="by" required maxlength="500" autocomplete="name">
<label for="reason">Reason</label><textarea id="reason" name="reason" required maxlength="500" rows="3"></textarea>
<button type="submit">Acknowledge</button>
</form>`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
