import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuleHandler } from '../../lambdas/rule.js';
import { startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { bundledConfig } from '../support/bundled-config.js';
import { FakeTimestream } from './fake-timestream.js';
import { ruleFunctionEnv } from '../support/rule-function-env.js';

/**
 * The rule function running the generated default agent rules (group pflow-agents) from the
 * config synth bundles: a declared agent that never reported goes pending, then "Agent offline"
 * at silent_after, published once, on the alert topic with its site and agent. Timestream answers
 * at the SDK boundary from what was written (nothing: the agent is silent); states in dynalite.
 */

const T0 = Date.parse('2026-12-02T08:00:00.000Z');
const query = mockClient(TimestreamQueryClient);
const write = mockClient(TimestreamWriteClient);
const sns = mockClient(SNSClient);
const timestream = new FakeTimestream();
const published: PublishBatchRequestEntry[] = [];
let now = T0;
let dir: string;
let ddb: DynamoLocal;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };
const context = {
  functionName: 'pflow-rule-test',
  awsRequestId: 'req-agents-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-rule-agents-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'lab', agents: [{ id: 'lab-01', silent_after: '4m' }] }, { id: 'hospital' }],
      channels: [{ id: 'ops', kind: 'console' }],
      routes: [{ channels: ['ops'] }],
      aws: {},
    }),
  );
  env = ruleFunctionEnv(dir, ddb.endpoint);
  Object.assign(process.env, env);
  write.on(WriteRecordsCommand).callsFake((input) => timestream.write(input));
  query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
    published.push(...input.PublishBatchRequestEntries);
    return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  for (const mock of [query, write, sns]) mock.restore();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rule function: the default agent rules', () => {
  it('raises one "Agent offline" for a declared agent that never reported, from the generated group', async () => {
    const rule = createRuleHandler({ env, clock: { now: () => now } });
    const states: string[] = [];
    for (let minute = 0; minute <= 6; minute++) {
      now = T0 + minute * 60_000;
      const report = await rule({ site: 'lab', group: 'pflow-agents' }, context);
      expect(report).toMatchObject({ site: 'lab', group: 'pflow-agents', failedQueries: 0 });
      states.push(
        ...published.splice(0).map((entry) => {
          const event = JSON.parse(entry.Message!) as {
            rule: { id: string; name: string };
            site: string;
            labels: Record<string, string>;
            state: string;
          };
          return `${String(minute)}:${event.rule.id}:${event.rule.name}:${event.site}:${event.labels.agent}:${event.state}`;
        }),
      );
    }
    // It never reported: pending at the first cycle (no heartbeat in its 2-minute window), firing
    // silent_after − 2m later, when a heartbeat last seen just before would have been 4m old.
    expect(states).toEqual(['2:pflow-agent-silent-lab-01:Agent offline:lab:lab-01:firing']);
    // The alert history went to the store with it.
    expect(write.commandCalls(WriteRecordsCommand)).toHaveLength(1);
    // One metrics query per cycle, for the two heartbeat series, at this site only.
    expect(timestream.statements).toHaveLength(7);
    expect(timestream.statements[0]).toMatch(/"metrics"/);
    expect(timestream.statements[0]).toContain("site IN ('lab')");
  });
});
