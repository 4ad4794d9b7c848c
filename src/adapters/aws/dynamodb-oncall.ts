import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OnCallSchedule } from '../../domain/lifecycle/oncall.js';
import {
  canonicalSchedule,
  type OnCallStore,
  type RuntimeOverride,
  type TeamOnCall,
} from '../../domain/lifecycle/oncall-override.js';
import { num, queryAll, sendConditional, ttlAfter, type Item } from './dynamodb-items.js';

/**
 * The partition of one team's on-call items in the lifecycle table: `oncall#<team>`. Team ids
 * cannot hold `#` (the config's id pattern), so no team's partition is another kind's.
 */
export const ONCALL_PARTITION_PREFIX = 'oncall#';
const SCHEDULE = 'schedule';
const OVERRIDE = 'override#';

export interface DynamoOnCallStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** How long an ended override is kept before TTL deletes it (storage.retention); kept when absent. */
  readonly retentionMs?: number;
}

/**
 * On-call schedules and run-time overrides in the lifecycle table (lib/lifecycle.ts), beside the
 * silences and acknowledgements (dynamodb-lifecycle.ts). One partition per team, so a single Query
 * answers "who is on call" (the deliver functions make it at send time):
 *
 * - `oncall#<team>` / `schedule`: the config's schedule as last seeded (canonical JSON).
 * - `oncall#<team>` / `override#<id>`: a run-time override; removing one keeps the item (it ends
 *   then), and TTL deletes it a retention after it ended.
 *
 * Every write is conditional: a new override never overwrites another with the same id, a removal
 * applies only to an override that exists and has not ended, and a seed replaces only the schedule
 * it read, so two functions seeding at once write once.
 */
export class DynamoOnCallStore implements OnCallStore {
  constructor(private readonly options: DynamoOnCallStoreOptions) {}

  async seedSchedules(schedules: readonly OnCallSchedule[], now: number): Promise<number> {
    let written = 0;
    for (const schedule of schedules) {
      const text = canonicalSchedule(schedule);
      const { Item } = await this.options.client.send(
        new GetItemCommand({
          TableName: this.options.table,
          Key: key(schedule.team, SCHEDULE),
          ConsistentRead: true,
          ProjectionExpression: '#schedule',
          ExpressionAttributeNames: { '#schedule': 'schedule' },
        }),
      );
      const stored = Item?.['schedule']?.S;
      if (stored === text) continue;
      const won = await this.conditional(
        new PutItemCommand({
          TableName: this.options.table,
          Item: { ...key(schedule.team, SCHEDULE), schedule: { S: text }, seededAt: num(now) },
          ...(stored === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#schedule = :read',
                ExpressionAttributeNames: { '#schedule': 'schedule' },
                ExpressionAttributeValues: { ':read': { S: stored } },
              }),
        }),
      );
      // Lost: another function seeded meanwhile (from the same config, or a newer deployment's).
      if (won) written++;
    }
    return written;
  }

  async teamOnCall(team: string): Promise<TeamOnCall> {
    const items = await queryAll(this.options.client, this.options.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `${ONCALL_PARTITION_PREFIX}${team}` } },
    });
    const scheduleItem = items.find((item) => item['sk']?.S === SCHEDULE);
    return {
      ...(scheduleItem !== undefined && {
        schedule: {
          schedule: JSON.parse(scheduleItem['schedule']!.S!) as OnCallSchedule,
          seededAt: Number(scheduleItem['seededAt']!.N),
        },
      }),
      overrides: items
        .filter((item) => item['sk']?.S?.startsWith(OVERRIDE))
        .map(overrideOf)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
    };
  }

  async addOverride(override: RuntimeOverride): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.table,
        Item: {
          ...key(override.team, `${OVERRIDE}${override.id}`),
          member: { S: override.member },
          startsAt: num(override.startsAt),
          endsAt: num(override.endsAt),
          author: { S: override.author },
          ...(override.reason !== undefined && { reason: { S: override.reason } }),
          createdAt: num(override.createdAt),
          ...this.ttl(override.endsAt),
        },
        // Ids are random; a clash must not overwrite someone else's override.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async removeOverride(team: string, id: string, by: string, now: number): Promise<boolean> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: key(team, `${OVERRIDE}${id}`),
        UpdateExpression: `SET removedAt = :now, removedBy = :by${this.options.retentionMs === undefined ? '' : ', expiresAt = :ttl'}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removedAt) AND endsAt > :now',
        ExpressionAttributeValues: {
          ':now': num(now),
          ':by': { S: by },
          ...(this.options.retentionMs !== undefined && {
            ':ttl': num(Math.ceil((now + this.options.retentionMs) / 1000)),
          }),
        },
      }),
    );
  }

  private ttl(endsAt: number): Item {
    return ttlAfter(endsAt, this.options.retentionMs);
  }

  private conditional(command: PutItemCommand | UpdateItemCommand): Promise<boolean> {
    return sendConditional(this.options.client, command);
  }
}

function key(team: string, sk: string): Item {
  return { pk: { S: `${ONCALL_PARTITION_PREFIX}${team}` }, sk: { S: sk } };
}

function overrideOf(item: Item): RuntimeOverride {
  const n = (name: string) => (item[name]?.N === undefined ? undefined : Number(item[name]!.N));
  const s = (name: string) => item[name]?.S;
  const reason = s('reason');
  const removedAt = n('removedAt');
  const removedBy = s('removedBy');
  return {
    id: s('sk')!.slice(OVERRIDE.length),
    team: s('pk')!.slice(ONCALL_PARTITION_PREFIX.length),
    member: s('member')!,
    startsAt: n('startsAt')!,
    endsAt: n('endsAt')!,
    author: s('author')!,
    ...(reason !== undefined && { reason }),
    createdAt: n('createdAt')!,
    ...(removedAt !== undefined && { removedAt }),
    ...(removedBy !== undefined && { removedBy }),
  };
}
