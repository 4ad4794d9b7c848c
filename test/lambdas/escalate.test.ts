import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscalateHandler } from '../../lambdas/escalate.js';
import { createProbeHandler } from '../../lambdas/probe.js';
import { createRuleHandler } from '../../lambdas/rule.js';
import type { ScheduledInput } from '../../lambdas/shared/environment.js';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import { DynamoAlertStateStore } from '../../src/adapters/aws/dynamodb-state.js';
import { closedPort } from '../support/closed-port.js';
import { ALERT_STATE_TABLE, LIFECYCLE_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { FakeTimestream } from './fake-timestream.js';
import { emfOf, outputOf } from './lambda-output.js';
import { bundledConfig } from '../support/bundled-config.js';
import { ruleFunctionEnv } from '../support/rule-function-env.js';

/**
 * The escalation function between rule cycles, on dynalite (alert state and lifecycle tables) with
 * Timestream and SNS stubbed at the SDK boundary: the rule function fires an alert and starts its
 * escalation clock; the escalation function, invoked as EventBridge Scheduler invokes it, tells
 * each tier at its minute, once; an acknowledgement in the lifecycle table stops the chain; a
 * run-time silence there keeps the rule function from paging at all.
 */

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const MINUTE = 60_000;
const write = mockClient(TimestreamWriteClient);
const query = mockClient(TimestreamQueryClient);
const sns = mockClient(SNSClient);
const timestream = new FakeTimestream();
const published: PublishBatchRequestEntry[] = [];
let now = T0;
const clock = { now: () => now };
let dir: string;
let ddb: DynamoLocal;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };

const context = {
  functionName: 'pflow-escalate-test',
  awsRequestId: 'req-escalate-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/**
 * What EventBridge Scheduler sends: the schedule's Input as the stack writes it (lib/schedules.ts),
 * `{"scheduledTime": "<aws.scheduler.scheduled-time>"}` with the placeholder filled in.
 */
const schedulerEvent = (): ScheduledInput => ({ scheduledTime: new Date(now).toISOString() });

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-escalate-'));
  const port = await closedPort();
  const probe = (id: string) => ({
    id,
    site: 'site-a',
    kind: 'http',
    target: `http://127.0.0.1:${port}/${id}`,
    interval: '1m',
    timeout: '2s',
  });
  const rule = (id: string) => ({
    id,
    name: id,
    severity: 'critical',
    measure: 'success',
    matchers: [`probe="${id.replace(/-down$/, '')}"`],
    window: '2m',
    reducer: 'last',
    threshold: { op: '<', value: 1 },
  });
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'UTC' }],
      probes: [probe('portal'), probe('pacs')],
      rule_groups: [{ name: 'availability', interval: '5m', rules: [rule('portal-down'), rule('pacs-down')] }],
      channels: [
        { id: 'ward', kind: 'webhook', webhook: { url: 'https://hooks.example.org/ward' } },
        { id: 'oncall', kind: 'webhook', webhook: { url: 'https://hooks.example.org/oncall' } },
        { id: 'manager', kind: 'webhook', webhook: { url: 'https://hooks.example.org/manager' } },
      ],
      routes: [
        {
          channels: ['ward'],
          escalate: [
            { after: '10m', channels: ['oncall'] },
            { after: '25m', channels: ['manager'] },
          ],
        },
      ],
      oncall: [
        {
          team: 'ward-it',
          site: 'site-a',
          rotation: 'weekly',
          handover: '09:00',
          start: '2026-11-30',
          members: [{ name: 'Ana' }, { name: 'Bo' }],
        },
      ],
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
  for (const mock of [write, query, sns]) mock.restore();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each published event: rule, state, tier (or '-'), and the channels its SNS attribute routes it to. */
function told(): string[] {
  const out = published.map((entry) => {
    const event = JSON.parse(entry.Message!) as { rule: { id: string }; state: string; escalation?: { tier: number } };
    const channels = JSON.parse(entry.MessageAttributes!['channels']!.StringValue!) as string[];
    return `${event.rule.id} ${event.state} ${event.escalation ? `tier${event.escalation.tier}` : '-'} → ${channels.join(',')}`;
  });
  published.length = 0;
  return out;
}

describe('escalation function (Scheduler every minute)', () => {
  it('tells each tier at its minute, once; an acknowledgement stops the chain; a run-time silence pages nobody', async () => {
    const lifecycle = new DynamoLifecycleStore({ client: ddb.client, table: LIFECYCLE_TABLE });
    // A run-time silence for PACS maintenance, made as `pflow silence add` makes it.
    await lifecycle.addSilence({
      id: 'sil-pacs',
      matchers: ['probe="pacs"'],
      startsAt: T0,
      endsAt: T0 + 2 * 60 * MINUTE,
      author: 'ana',
      comment: 'PACS upgrade',
      createdAt: T0,
    });
    const probe = createProbeHandler({ env, clock });
    const rule = createRuleHandler({ env, clock });
    const escalate = createEscalateHandler({ env, clock });

    await probe({ site: 'site-a', probeIds: ['portal', 'pacs'] }, context);
    now += 1_000;
    await rule({ site: 'site-a', group: 'availability' }, context);
    // Both fire; the silenced one is recorded but pages nobody.
    expect(told()).toEqual(['portal-down firing - → ward']);
    const states = await new DynamoAlertStateStore({
      client: ddb.client,
      table: ALERT_STATE_TABLE,
      groupOf: () => 'availability',
    }).loadStates('site-a', ['portal-down', 'pacs-down']);
    const portal = [...states.values()].find((state) => state.ruleId === 'portal-down')!;
    expect(portal.escalation).toEqual({ route: 0, since: T0 + 1_000, tiers: 0, told: [] });
    expect([...states.values()].find((state) => state.ruleId === 'pacs-down')).toMatchObject({
      state: 'firing',
      notifiedState: 'ok',
    });

    now = T0 + 10 * MINUTE;
    const quiet = await outputOf(async () => {
      expect(await escalate(schedulerEvent(), context)).toMatchObject({
        escalating: 1,
        told: 0,
        conflicts: 0,
        acksDropped: 0,
        ackUpdatesSent: 0,
      });
    });
    expect(told()).toEqual([]);
    // A minute that tells nobody sends no counts (each is a billed metric in the hours it is sent),
    // and says nothing about it either.
    expect(emfOf(quiet.lines)).toEqual([]);
    expect(quiet.raw).not.toContain('No application metrics');

    now = T0 + 10 * MINUTE + 1_000;
    const run = await outputOf(async () => {
      expect(await escalate(schedulerEvent(), context)).toMatchObject({ told: 1, conflicts: 0 });
    });
    expect(told()).toEqual(['portal-down firing tier1 → oncall']);
    expect(emfOf(run.lines).find((doc) => 'EscalationsTold' in doc)).toMatchObject({
      service: 'pflow-escalate',
      EscalationsTold: 1,
    });
    expect(emfOf(run.lines).some((doc) => 'EscalationConflicts' in doc)).toBe(false);
    // A second invocation in the same minute (a Scheduler retry) tells nobody again.
    expect(await escalate(schedulerEvent(), context)).toMatchObject({ told: 0 });
    expect(told()).toEqual([]);

    now = T0 + 12 * MINUTE;
    await lifecycle.acknowledge({
      alertKey: portal.key,
      incarnation: portal.firingSince ?? portal.since,
      by: 'bo',
      reason: 'restarting the portal',
      at: now,
      source: 'link',
    });
    now = T0 + 40 * MINUTE;
    expect(await escalate(schedulerEvent(), context)).toMatchObject({ escalating: 1, told: 0 });
    expect(told()).toEqual([]);
  });

  it('forgets acknowledgements of alerts no longer stored', async () => {
    const lifecycle = new DynamoLifecycleStore({ client: ddb.client, table: LIFECYCLE_TABLE });
    await lifecycle.acknowledge({
      alertKey: 'gone/0',
      incarnation: T0,
      by: 'cy',
      reason: 'old',
      at: T0,
      source: 'api',
    });
    const escalate = createEscalateHandler({ env, clock });
    expect(await escalate(schedulerEvent(), context)).toMatchObject({ acksDropped: 1 });
    expect([...(await lifecycle.currentAcks()).keys()]).not.toContain('gone/0');
    expect((await lifecycle.audit('gone/0')).map((record) => record.by)).toEqual(['cy']);
  });

  it('copies the config’s on-call schedules into the lifecycle table, writing only after a change', async () => {
    const key = { pk: { S: 'oncall#ward-it' }, sk: { S: 'schedule' } };
    await ddb.client.send(new DeleteItemCommand({ TableName: LIFECYCLE_TABLE, Key: key }));
    const escalate = createEscalateHandler({ env, clock });
    expect(await escalate(schedulerEvent(), context)).toMatchObject({ schedulesSeeded: 1 });
    expect(await escalate(schedulerEvent(), context)).toMatchObject({ schedulesSeeded: 0 });
    const { Item } = await ddb.client.send(new GetItemCommand({ TableName: LIFECYCLE_TABLE, Key: key }));
    expect(JSON.parse(Item!['schedule']!.S!)).toMatchObject({ team: 'ward-it', every: 'weekly', handoverMinute: 540 });
  });
});
