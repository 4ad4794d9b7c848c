import type { AgentTokenLookup } from './ports.js';
import { bearerToken, hashToken } from './token.js';

/*
 * Who sends a batch, from the bearer token alone. Apart from the ingest service (which parses
 * batches with zod) so that the ingest authorizer's Lambda bundle carries neither.
 */

/** An HTTP answer of the ingest API, endpoint-neutral (the local route and the Lambda both send it). */
export interface IngestAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Who is sending: what the token says, never what the payload says. */
export interface AgentPrincipal {
  readonly tokenId: string;
  readonly site: string;
}

export type Authentication =
  { readonly ok: true; readonly principal: AgentPrincipal } | { readonly ok: false; readonly answer: IngestAnswer };

const unauthorized = (error: string): Authentication => ({ ok: false, answer: { status: 401, body: { error } } });

/**
 * Checks an `Authorization` header against the token store. The answers name what is wrong with
 * the header's shape or the token's standing, never any part of the token.
 */
export async function authenticate(header: string | undefined, tokens: AgentTokenLookup): Promise<Authentication> {
  if (header === undefined || header === '') return unauthorized('missing Authorization: Bearer <agent token>');
  const token = bearerToken(header);
  if (token === undefined) return unauthorized('Authorization: expected Bearer pfa_<id>_<secret> (an agent token)');
  const record = await tokens.findByHash(hashToken(token));
  if (record === undefined) return unauthorized('unknown agent token');
  if (record.revokedAt !== undefined) return unauthorized(`agent token ${record.tokenId} is revoked`);
  return { ok: true, principal: { tokenId: record.tokenId, site: record.site } };
}
