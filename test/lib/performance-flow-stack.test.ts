import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { PerformanceFlowStack } from '../../lib/performance-flow-stack.js';

function nagViolations(stack: PerformanceFlowStack) {
  const report = new AwsSolutionsChecks(stack).validateScope(stack);
  return report.violations.map((violation) => violation.ruleName);
}

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('PerformanceFlowStack', { timeout: 60_000 }, () => {
  it('composes storage and notifications, and passes cdk-nag AWS Solutions with no finding', () => {
    const stack = new PerformanceFlowStack(new App(), 'PerformanceFlow');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(nagViolations(stack)).toEqual([]);
  });

  it('the cdk-nag check does catch a finding (a bucket without TLS enforcement or access logs)', () => {
    const stack = new PerformanceFlowStack(new App(), 'PerformanceFlow');
    new Bucket(stack, 'Careless');
    expect(nagViolations(stack)).toEqual(
      expect.arrayContaining([expect.stringMatching(/AwsSolutions-S1/), expect.stringMatching(/AwsSolutions-S10/)]),
    );
  });
});
