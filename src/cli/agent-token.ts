import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAgentTokens } from '../adapters/aws/dynamodb-agent-tokens.js';
import { SqliteIngestStore } from '../adapters/local/sqlite-ingest.js';
import { openDatabase } from '../adapters/local/sqlite.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { AgentTokenAdmin } from '../ingest/ports.js';
import { createToken, isTokenId, type AgentTokenRecord } from '../ingest/token.js';
import type { CliOutput } from './config.js';

/** Where the deployed stack's token table name comes from when `--table` is not given. */
export const TOKEN_TABLE_ENV = 'PFLOW_AGENT_TOKEN_TABLE';
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export type TokenAction =
  | { readonly action: 'create'; readonly site: string; readonly name: string }
  | { readonly action: 'revoke'; readonly tokenId: string; readonly site?: string }
  | { readonly action: 'list'; readonly site?: string; readonly json: boolean };

/** The local token table in `<data_dir>/pflow.db`, which the running runtime reads too. */
export function localTokenStore(config: DeploymentConfig): { store: AgentTokenAdmin; close(): void } {
  const db = openDatabase(join(resolve(config.local.dataDir), 'pflow.db'));
  return { store: new SqliteIngestStore(db), close: () => db.close() };
}

/** The deployed stack's token table (its `AgentTokenTable` output), or why it cannot be used. */
export function awsTokenStore(
  options: { readonly table?: string; readonly region?: string; readonly client?: Pick<DynamoDBClient, 'send'> },
  env: NodeJS.ProcessEnv = process.env,
): AgentTokenAdmin | string {
  const table = options.table ?? env[TOKEN_TABLE_ENV];
  if (table === undefined || !TABLE_NAME.test(table)) {
    return `--aws needs --table <the stack's AgentTokenTable output> (or ${TOKEN_TABLE_ENV})${table === undefined ? '' : `; got ${JSON.stringify(table)}`}`;
  }
  const client = options.client ?? new DynamoDBClient(options.region ? { region: options.region } : {});
  return new DynamoAgentTokens(client, table);
}

/**
 * `pflow agent token create|revoke|list`. The token is printed once, alone on stdout (so
 * `TOKEN=$(pflow agent token create --site S)` works); everything else goes to stderr or, for
 * list, stdout. Exit 0 done, 1 the store refused, 2 bad arguments.
 */
export async function runAgentToken(
  action: TokenAction,
  deps: {
    readonly store: AgentTokenAdmin;
    readonly sites?: readonly string[];
    readonly now: number;
    readonly out: CliOutput;
  },
): Promise<number> {
  const { store, out } = deps;
  const site = action.site;
  if (site !== undefined && deps.sites !== undefined && !deps.sites.includes(site)) {
    out.stderr(`no site "${site}" in the config; sites: ${deps.sites.join(', ')}\n`);
    return 2;
  }
  try {
    switch (action.action) {
      case 'create': {
        const { token, record } = createToken(action.site, action.name, deps.now);
        await store.add(record);
        out.stdout(`${token}\n`);
        out.stderr(
          `agent token ${record.tokenId} created for site ${record.site} (${record.name}).\n` +
            `It is shown only now: put it in the agent's ingest.token (e.g. as \${PFLOW_AGENT_TOKEN}); only its SHA-256 is stored.\n`,
        );
        return 0;
      }
      case 'revoke': {
        if (!isTokenId(action.tokenId)) {
          out.stderr(`not a token id: ${JSON.stringify(action.tokenId)} (12 letters and digits, as list shows)\n`);
          return 2;
        }
        const existing = (await store.list(action.site)).find((r) => r.tokenId === action.tokenId);
        if (existing === undefined) {
          out.stderr(
            `no agent token ${action.tokenId}${action.site === undefined ? '' : ` for site ${action.site}`}\n`,
          );
          return 1;
        }
        const revoked = await store.revoke(action.tokenId, deps.now);
        out.stdout(
          `agent token ${action.tokenId} (site ${existing.site}, ${existing.name}) revoked at ${iso(revoked?.revokedAt ?? deps.now)}\n`,
        );
        return 0;
      }
      case 'list': {
        const records = await store.list(action.site);
        if (action.json) out.stdout(`${JSON.stringify(records.map(present), null, 2)}\n`);
        else out.stdout(table(records));
        return 0;
      }
    }
  } catch (error) {
    out.stderr(
      `the token store refused: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
    );
    return 1;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function present(record: AgentTokenRecord) {
  return {
    tokenId: record.tokenId,
    site: record.site,
    name: record.name,
    created: iso(record.createdAt),
    revoked: record.revokedAt === undefined ? null : iso(record.revokedAt),
  };
}

function table(records: readonly AgentTokenRecord[]): string {
  if (records.length === 0) return 'no agent tokens\n';
  const rows = [
    ['ID', 'SITE', 'NAME', 'CREATED', 'REVOKED'],
    ...records.map((r) => [
      r.tokenId,
      r.site,
      r.name,
      iso(r.createdAt),
      r.revokedAt === undefined ? '-' : iso(r.revokedAt),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
