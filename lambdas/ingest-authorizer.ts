import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { DynamoAgentTokens } from '../src/adapters/aws/dynamodb-agent-tokens.js';
import { authenticate } from '../src/ingest/authenticate.js';
import type { AgentTokenLookup } from '../src/ingest/ports.js';
import { requireEnv } from './shared/config.js';
import { ENV } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';

/** What the authorizer hands the ingest function (`requestContext.authorizer.lambda`). */
export interface IngestAuthorizerContext {
  readonly site: string;
  readonly tokenId: string;
}

export type IngestAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<
  IngestAuthorizerContext | Record<string, never>
>;

/**
 * The ingest API's Lambda request authorizer (HTTP API, payload 2.0, simple responses): looks the
 * bearer token's SHA-256 up in the token table and passes on the token's site. API Gateway caches
 * the answer per Authorization header (the identity source), so an agent's every batch does not
 * cost a DynamoDB read; a revoked token is refused at the latest one cache TTL later.
 */
export function createIngestAuthorizerHandler(options: { env?: NodeJS.ProcessEnv; tokens?: AgentTokenLookup } = {}) {
  const env = options.env ?? process.env;
  const base = handlerBase('ingestAuthorizer', env);
  let tokens = options.tokens;
  return wrap(base, async (event: APIGatewayRequestAuthorizerEventV2): Promise<IngestAuthorizerResult> => {
    tokens ??= new DynamoAgentTokens(new DynamoDBClient({}), requireEnv(env, ENV.agentTokenTable));
    const auth = await authenticate(event.headers?.['authorization'], tokens);
    if (!auth.ok) {
      // The reason, never the header: it may hold a live token with a typo.
      base.obs.port.info('agent token refused', { reason: auth.answer.body['error'], route: event.routeKey });
      return { isAuthorized: false, context: {} };
    }
    return { isAuthorized: true, context: { site: auth.principal.site, tokenId: auth.principal.tokenId } };
  });
}

export const handler = createIngestAuthorizerHandler();
