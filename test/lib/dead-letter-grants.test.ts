import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functionIdByPath, nagFindings, resourcesOf, stackFor, withReports } from './stack-support.js';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

type Ref = { 'Fn::GetAtt': [string, string] } | { Ref: string };

/** Every statement of every role, by the role's logical id. */
function statementsByRole(template: Template): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    const statements = (policy.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const role of policy.Roles as { Ref: string }[]) {
      byRole.set(role.Ref, [...(byRole.get(role.Ref) ?? []), ...statements]);
    }
  }
  return byRole;
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const allows = (statement: Statement, action: string) =>
  actionsOf(statement).some(
    (granted) => granted === action || (granted.endsWith('*') && action.startsWith(granted.slice(0, -1))),
  );

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('dead letters into encrypted queues', { timeout: 120_000 }, () => {
  const { stack, template } = stackFor(withReports());
  const queueKeys = new Map(
    resourcesOf(template, 'AWS::SQS::Queue').map(([id, queue]) => [id, JSON.stringify(queue.KmsMasterKeyId)]),
  );
  const byRole = statementsByRole(template);

  it('every role that may send to an encrypted queue may also use its key for it (SQS encrypts as the sender)', () => {
    const senders: string[] = [];
    for (const [role, statements] of byRole) {
      for (const send of statements.filter((s) => allows(s, 'sqs:SendMessage'))) {
        for (const resource of [send.Resource].flat() as Ref[]) {
          const queue = 'Fn::GetAtt' in resource ? resource['Fn::GetAtt'][0] : undefined;
          const key = queue === undefined ? undefined : queueKeys.get(queue);
          if (key === undefined) continue;
          senders.push(role);
          const onKey = statements.filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === key));
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
            expect({ role, queue, action, granted: onKey.some((s) => allows(s, action)) }).toEqual({
              role,
              queue,
              action,
              granted: true,
            });
          }
        }
      }
    }
    // Every function (failed asynchronous invocations) and every schedule role (given-up deliveries).
    expect(senders.some((role) => role.startsWith('SchedulerRoleForTarget'))).toBe(true);
    expect(senders.some((role) => role.startsWith('ProbesFunctionRole'))).toBe(true);
  });

  it('grants the operational dead-letter queues their key through SQS only', () => {
    const probeRole = (
      resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionIdByPath(template, 'Probes'))![1]
        .Role as { 'Fn::GetAtt': [string, string] }
    )['Fn::GetAtt'][0];
    const kms = byRole.get(probeRole)!.filter((s) => actionsOf(s).some((action) => action.startsWith('kms:')));
    expect(kms).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        },
      },
    ]);
  });

  it('passes cdk-nag with the grants', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
