import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runAwsNotifyTest } from '../../src/cli/notify-test-aws.js';

const AWS_EXAMPLE = join(import.meta.dirname, '../../config/aws-example.yaml');
const sns = mockClient(SNSClient);
afterEach(() => sns.reset());
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:PerformanceFlow-AlertEvents1A2B3C';
const NOW = Date.parse('2026-12-01T09:30:00.000Z');

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

describe('pflow notify test --aws', () => {
  it('publishes one marked test event on the alert topic, routed to the one channel, as the rule function would', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-7' });
    const { lines, out } = output();
    const code = await runAwsNotifyTest({
      configPath: AWS_EXAMPLE,
      channelId: 'oncall-sms',
      topicArn: TOPIC,
      out,
      now: () => NOW,
      client: new SNSClient({ region: 'eu-central-1' }),
    });
    expect(code).toBe(0);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    const event = JSON.parse(input.Message!) as Record<string, unknown>;
    expect(input).toEqual({
      TopicArn: TOPIC,
      Message: input.Message,
      MessageAttributes: {
        site: { DataType: 'String', StringValue: 'st-anna' },
        severity: { DataType: 'String', StringValue: 'info' },
        state: { DataType: 'String', StringValue: 'firing' },
        rule: { DataType: 'String', StringValue: 'pflow-test' },
        channels: { DataType: 'String.Array', StringValue: '["oncall-sms"]' },
      },
    });
    expect(event).toMatchObject({
      schema: 'performanceflow.alert/v1',
      site: 'st-anna',
      rule: { id: 'pflow-test', severity: 'info' },
      state: 'firing',
      labels: { channel: 'oncall-sms', test: 'true' },
      evaluatedAt: '2026-12-01T09:30:00.000Z',
      test: true,
    });
    expect(lines.stdout).toBe(
      `published test event ${String(event.id)} for channel "oncall-sms" (SNS message msg-7)\n` +
        "  it should arrive within a minute; if not, see the channel's dead-letter queue (stack output DeadLettersoncallsms):\n" +
        '  pflow notify dead-letters --aws --queue-url <that URL>\n',
    );
  });

  it('refuses an unknown channel or a missing or malformed topic ARN without publishing', async () => {
    const unknown = output();
    expect(
      await runAwsNotifyTest({ configPath: AWS_EXAMPLE, channelId: 'nope', topicArn: TOPIC, out: unknown.out }),
    ).toBe(2);
    expect(unknown.lines.stderr).toBe(
      `no channel "nope" in ${AWS_EXAMPLE}; configured: ops-slack, oncall-email, oncall-sms, proprietary-logdrop\n`,
    );
    const missing = output();
    expect(
      await runAwsNotifyTest({
        configPath: AWS_EXAMPLE,
        channelId: 'ops-slack',
        topicArn: undefined,
        out: missing.out,
      }),
    ).toBe(2);
    expect(missing.lines.stderr).toMatch(/^--aws needs --topic-arn <the stack's AlertTopicArn output/);
    const malformed = output();
    expect(
      await runAwsNotifyTest({
        configPath: AWS_EXAMPLE,
        channelId: 'ops-slack',
        topicArn: 'PerformanceFlow-AlertEvents',
        out: malformed.out,
      }),
    ).toBe(2);
    expect(malformed.lines.stderr).toContain('got "PerformanceFlow-AlertEvents"');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('reports what SNS said when it refuses, with exit 1', async () => {
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('User is not authorized to perform SNS:Publish'), {
        name: 'AuthorizationErrorException',
      }),
    );
    const { lines, out } = output();
    expect(
      await runAwsNotifyTest({
        configPath: AWS_EXAMPLE,
        channelId: 'ops-slack',
        topicArn: TOPIC,
        out,
        client: new SNSClient({ region: 'eu-central-1' }),
      }),
    ).toBe(1);
    expect(lines.stderr).toBe(
      'SNS refused the test event: AuthorizationErrorException: User is not authorized to perform SNS:Publish\n',
    );
  });

  it('is wired into `pflow notify test` behind --aws', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-8' });
    const { lines, out } = output();
    const saved = process.exitCode;
    const program = buildProgram(out).exitOverride();
    await program.parseAsync(
      ['notify', 'test', '--aws', '-c', AWS_EXAMPLE, '--channel', 'ops-slack', '--topic-arn', TOPIC],
      { from: 'user' },
    );
    expect(process.exitCode).toBe(0);
    process.exitCode = saved;
    expect(lines.stdout).toMatch(/^published test event .* for channel "ops-slack" \(SNS message msg-8\)/);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.TopicArn).toBe(TOPIC);
  });
});
