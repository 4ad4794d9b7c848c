import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoAlertStateStore, ruleGroupOf } from '../src/adapters/aws/dynamodb-state.js';
import type { DynamoLifecycleStore } from '../src/adapters/aws/dynamodb-lifecycle.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import type { AckAuditRecord } from '../src/domain/lifecycle/ack.js';
import { buildRuntimeSilence, SilenceRequestError } from '../src/domain/lifecycle/runtime-silence.js';
import type { Clock } from '../src/domain/ports.js';
import { systemClock } from '../src/domain/ports.js';
import type { RuleDefinition } from '../src/domain/rules/types.js';
import { ackActions, ackRoutes } from '../src/runtime/ack-routes.js';
import type { ApiReply, ApiRequest } from '../src/runtime/api-server.js';
import { parseJsonBody, presentSilence } from '../src/runtime/silence-routes.js';
import { publishAckUpdates } from '../src/services/ack-updates.js';
import { AckService } from '../src/services/acknowledge.js';
import { instanceKeyOf } from '../src/services/announcements.js';
import { alertBusFromEnv } from './shared/alert-bus.js';
import { requireEnv } from './shared/config.js';
import { ENV } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { lifecycleStoreFromEnv, linkSettings, oncallServiceFromEnv } from './shared/lifecycle.js';
import { oncallApi } from '../src/runtime/oncall-routes.js';
import { presentLocation, whereIsQueryOf } from '../src/runtime/asset-routes.js';
import { DynamoTagLocations } from '../src/adapters/aws/dynamodb-tag-locations.js';
import { ConcurrentImportError, DynamoAssetImports } from '../src/adapters/aws/dynamodb-asset-imports.js';
import { parseAssetCsv } from '../src/domain/assets/csv-import.js';
import { RegistryIndex } from '../src/domain/assets/registry.js';
import { assetsNow, sitesOf } from '../src/services/asset-answers.js';

/** The request context API Gateway passes on: the IAM caller on `/api/*`, nothing on `/ack/*`. */
interface LifecycleRequestContext {
  readonly domainName: string;
  readonly http: { readonly method: string; readonly sourceIp: string };
  readonly authorizer?: { readonly iam?: { readonly userArn?: string } };
}
export type LifecycleApiEvent = APIGatewayProxyEventV2WithRequestContext<LifecycleRequestContext>;

export interface LifecycleApiOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly newSilenceId?: () => string;
  readonly newOverrideId?: () => string;
  readonly newImportId?: () => string;
}

/**
 * The lifecycle API on its own HTTP API (payload format 2.0):
 *
 * - `GET /ack/<token>` shows the confirmation page of a signed acknowledge link; only its button,
 *   `POST /ack/<token>`, acknowledges (mail scanners follow links). The link's HMAC is the
 *   credential; these routes have no authorizer.
 * - `POST /api/alerts/ack|unack`, `GET /api/acks`, `GET|POST /api/silences`, `GET /api/assets` (where is it), `POST /api/assets/import`,
 *   `POST /api/silences/<id>/expire`, and the on-call calls (`GET /api/oncall/who`,
 *   `GET|POST /api/oncall/overrides`, `POST /api/oncall/overrides/<id>/remove`): behind API Gateway's IAM authorization (SigV4, the caller's
 *   AWS credentials, as `pflow … --aws` sends them). The bodies and answers are the local API's.
 *
 * The acknowledgement logic is the local runtime's (AckService and its routes), over DynamoDB:
 * the alert states are read once per request, and the "acknowledged by" update is published on
 * the alert topic like every event.
 */
export function createLifecycleApiHandler(options: LifecycleApiOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const newSilenceId = options.newSilenceId ?? (() => `sil-${randomBytes(6).toString('hex')}`);
  const newOverrideId = options.newOverrideId ?? (() => `ovr-${randomBytes(6).toString('hex')}`);
  const newImportId = options.newImportId ?? (() => `imp-${randomBytes(6).toString('hex')}`);
  const base = handlerBase('lifecycle-api', env);
  const { obs } = base;
  let ddb: DynamoDBClient | undefined;
  let sns: SNSClient | undefined;

  return wrap(base, async (event: LifecycleApiEvent, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const { config } = await base.config();
    ddb ??= new DynamoDBClient({});
    sns ??= new SNSClient({});
    const request = requestOf(event);
    const path = request.url.pathname;
    const lifecycle = lifecycleStoreFromEnv(env, ddb, config);

    let reply: ApiReply | undefined;
    if (path.startsWith('/api/')) {
      // The route's IAM authorizer let it through; without one (a changed stack) nothing passes.
      const caller = event.requestContext.authorizer?.iam?.userArn;
      if (caller === undefined) {
        reply = { status: 401, body: { error: 'this call needs AWS IAM (SigV4) credentials' } };
      } else {
        reply = await apiCall({ ...request, remote: `${request.remote} ${caller}` }, lifecycle, config);
      }
    } else if (/^\/ack\/[^/]+$/.test(path) && (request.method === 'GET' || request.method === 'POST')) {
      const service = await ackService(lifecycle, config);
      const links = linkSettings(config, env);
      reply =
        request.method === 'GET'
          ? ackRoutes(service, () => [], links, clock)(request.url)
          : await ackActions(service, links, clock, PAGE_ONLY)(request);
    }
    reply ??= { status: 404, body: { error: `no route ${request.method} ${path}` } };
    // No request count: each request is one invocation, which Lambda's own (free) Invocations
    // metric counts already. Server errors only when there is one.
    if (reply.status >= 500) obs.metrics.addMetric('LifecycleApiErrors', MetricUnit.Count, 1);
    return responseOf(reply);
  });

  async function apiCall(request: ApiRequest, lifecycle: DynamoLifecycleStore, config: DeploymentConfig) {
    const path = request.url.pathname;
    if (path.startsWith('/api/oncall/')) {
      const oncall = oncallServiceFromEnv(env, ddb!, config, clock, newOverrideId);
      // The config's schedules are copied in before they are read or overridden (only when changed).
      await oncall.seed();
      const reply = await oncallApi(oncall, clock)(request);
      if (reply !== undefined && request.method === 'POST' && reply.status < 300)
        obs.port.info('on-call override changed', {
          path,
          caller: request.remote,
          ...('body' in reply && { result: reply.body }),
        });
      return reply;
    }
    if (path === '/api/assets' && request.method === 'GET') return whereIsCall(request, config);
    if (path === '/api/assets/import' && request.method === 'POST') return importCall(request, config);
    if (path === '/api/acks' && request.method === 'GET') {
      const alert = request.url.searchParams.get('alert') ?? undefined;
      return { status: 200, body: { acks: (await lifecycle.audit(alert)).map(presentAudit) } };
    }
    if (path === '/api/alerts/ack' || path === '/api/alerts/unack') {
      if (request.method !== 'POST') return undefined;
      // IAM authenticated the caller already: the shared route's bearer check gets a one-request token.
      const token = randomBytes(32).toString('base64url');
      const service = await ackService(lifecycle, config);
      return ackActions(
        service,
        linkSettings(config, env),
        clock,
        token,
      )({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } });
    }
    if (path === '/api/silences' && request.method === 'GET') {
      const now = clock.now();
      const all = request.url.searchParams.get('all') === '1';
      const silences = await lifecycle.listSilences(all ? undefined : now);
      return { status: 200, body: { silences: silences.map((silence) => presentSilence(silence, now)) } };
    }
    if (path === '/api/silences' && request.method === 'POST') return addSilence(request, lifecycle);
    const expire = /^\/api\/silences\/([^/]+)\/expire$/.exec(path);
    if (expire && request.method === 'POST') return expireSilence(request, decodeURIComponent(expire[1]!), lifecycle);
    return undefined;
  }

  /**
   * Where is it (`pflow assets find --aws`): the local API's `/api/assets` question, answered by
   * the local runtime's AssetService over the tag location table as it is now (one Query per site
   * asked about) and the config's registry with the assets imported from CSV. Read-only.
   */
  async function whereIsCall(request: ApiRequest, config: DeploymentConfig): Promise<ApiReply> {
    const assets = config.assets;
    if (assets === undefined) return NO_ASSETS;
    const query = whereIsQueryOf(request.url.searchParams);
    if (typeof query === 'string') return { status: 400, body: { error: query } };
    const index = new RegistryIndex(assets.registry);
    const table = requireEnv(env, ENV.tagLocationTable);
    const locations = new DynamoTagLocations(ddb!, table, () => index, assets.settings);
    const sites =
      query.site === undefined
        ? [...new Set([...sitesOf(assets), ...config.sites.map((site) => site.id)])].sort()
        : [query.site];
    const service = await assetsNow(
      assets,
      { locations, imports: new DynamoAssetImports(ddb!, table), logger: obs.port },
      sites,
      clock.now(),
    );
    return { status: 200, body: { assets: service.whereIs(query).map(presentLocation) } };
  }

  /**
   * `pflow assets import FILE --aws`: the CSV (JSON `{csv, site?}`) checked by the local import's
   * validator against the deployed config; every bad row by line and nothing stored, or the file's
   * assets replace what was imported before for its sites, all of them at once.
   */
  async function importCall(request: ApiRequest, config: DeploymentConfig): Promise<ApiReply> {
    const assets = config.assets;
    if (assets === undefined) return NO_ASSETS;
    const body = parseJsonBody(request);
    if ('error' in body) return body.error;
    const { csv, site } = body.value;
    if (typeof csv !== 'string')
      return { status: 400, body: { error: 'invalid request', problems: ["csv: the file's text is required"] } };
    if (site !== undefined && typeof site !== 'string')
      return { status: 400, body: { error: 'invalid request', problems: ['site: a site id'] } };
    const result = parseAssetCsv(csv, {
      sites: new Set(config.sites.map((s) => s.id)),
      configured: assets.registry,
      ...(site !== undefined && { defaultSite: site }),
    });
    if (result.errors.length > 0) return { status: 400, body: { error: 'invalid CSV', problems: result.errors } };
    const imports = new DynamoAssetImports(ddb!, requireEnv(env, ENV.tagLocationTable));
    try {
      const { replaced } = await imports.replace(result.sites, result.assets, newImportId(), clock.now());
      obs.port.info('assets imported', {
        caller: request.remote,
        sites: result.sites,
        assets: result.assets.length,
        replaced,
      });
      return { status: 200, body: { imported: result.assets.length, sites: result.sites, replaced } };
    } catch (error) {
      if (error instanceof ConcurrentImportError) return { status: 409, body: { error: error.message } };
      throw error;
    }
  }

  async function addSilence(request: ApiRequest, lifecycle: DynamoLifecycleStore): Promise<ApiReply> {
    const body = parseJsonBody(request);
    if ('error' in body) return body.error;
    const text = (name: string) => (typeof body.value[name] === 'string' ? (body.value[name] as string) : undefined);
    const matchers = body.value.matchers;
    const now = clock.now();
    try {
      const silence = buildRuntimeSilence(
        {
          ...(Array.isArray(matchers) && { matchers: matchers.map(String) }),
          ...defined({
            author: text('author'),
            comment: text('comment'),
            duration: text('duration'),
            until: text('until'),
            startsAt: text('starts_at'),
          }),
        },
        newSilenceId(),
        now,
      );
      await lifecycle.addSilence(silence);
      obs.port.info('silence added', { id: silence.id, author: silence.author, matchers: silence.matchers });
      return { status: 201, body: { silence: presentSilence(silence, now) } };
    } catch (error) {
      if (error instanceof SilenceRequestError)
        return { status: 400, body: { error: 'invalid silence', problems: error.problems } };
      throw error;
    }
  }

  async function expireSilence(request: ApiRequest, id: string, lifecycle: DynamoLifecycleStore): Promise<ApiReply> {
    const body = parseJsonBody(request);
    if ('error' in body) return body.error;
    const by = typeof body.value.by === 'string' ? body.value.by.trim() : '';
    if (by === '')
      return { status: 400, body: { error: 'invalid request', problems: ['by: who expires it is required'] } };
    if (await lifecycle.expireSilence(id, by, clock.now())) {
      obs.port.info('silence expired', { id, by });
      return { status: 200, body: { expired: id } };
    }
    if ((await lifecycle.getSilence(id)) === undefined)
      return { status: 404, body: { error: `no such silence: ${id}` } };
    return { status: 409, body: { error: `silence ${id} has already ended` } };
  }

  async function ackService(lifecycle: DynamoLifecycleStore, config: DeploymentConfig): Promise<AckService> {
    const states = await new DynamoAlertStateStore({
      client: ddb!,
      table: requireEnv(env, ENV.alertStateTable),
      groupOf: ruleGroupOf(config.ruleGroups),
    }).scanStates();
    const bus = alertBusFromEnv(env, sns!, config, obs.port);
    return new AckService({
      store: lifecycle,
      states: () => states,
      rules: new Map<string, RuleDefinition>(config.ruleGroups.flatMap((g) => g.rules).map((rule) => [rule.id, rule])),
      // Marked sent once published; a crash before that leaves it for the escalation function's sweep.
      publish: async (events) => {
        await publishAckUpdates(
          lifecycle,
          (published) => bus.publish(published),
          events.map((update) => ({ alertKey: instanceKeyOf(update), update })),
          () => clock.now(),
        );
      },
      clock,
      logger: obs.port,
    });
  }
}

const NO_ASSETS: ApiReply = { status: 404, body: { error: "this deployment's config has no assets: section" } };

/** No bearer token opens the API from the link routes: the page's POST carries only the link's HMAC. */
const PAGE_ONLY = randomBytes(32).toString('base64url');

function requestOf(event: LifecycleApiEvent): ApiRequest {
  const raw = event.body ?? '';
  const query = event.rawQueryString === '' ? '' : `?${event.rawQueryString}`;
  return {
    method: event.requestContext.http.method,
    url: new URL(`${event.rawPath}${query}`, `https://${event.requestContext.domainName}`),
    headers: event.headers,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    remote: event.requestContext.http.sourceIp,
  };
}

function responseOf(reply: ApiReply): APIGatewayProxyResultV2 {
  if ('raw' in reply) {
    return {
      statusCode: reply.status,
      headers: { 'content-type': reply.contentType ?? 'application/octet-stream', ...reply.headers },
      body: typeof reply.raw === 'string' ? reply.raw : reply.raw.toString('utf8'),
    };
  }
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...reply.headers },
    body: JSON.stringify(reply.body),
  };
}

function presentAudit(record: AckAuditRecord) {
  return {
    ...record,
    at: new Date(record.at).toISOString(),
    incarnation: new Date(record.incarnation).toISOString(),
    ...(record.expiresAt !== undefined && { expiresAt: new Date(record.expiresAt).toISOString() }),
  };
}

function defined<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: string;
  };
}

export const handler = createLifecycleApiHandler();
