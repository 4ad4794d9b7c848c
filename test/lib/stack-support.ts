import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { PerformanceFlowStack } from '../../lib/performance-flow-stack.js';
import { parseConfigForDeployment } from '../../src/domain/config/deploy.js';
import { secretReadersOf } from '../../src/domain/config/bundled.js';

export const AWS_EXAMPLE = join(import.meta.dirname, '../../config/aws-example.yaml');

/**
 * config/aws-example.yaml on the Timestream backend (for accounts onboarded before 2025-06-20):
 * the example's `storage.metrics` block swapped for a timestream one.
 */
export function timestreamExample(memoryRetention = '24h', magneticRetention = '400d'): string {
  const text = readFileSync(AWS_EXAMPLE, 'utf8');
  const block = /\n {2}metrics:\n(?: {4}.*\n)+/.exec(text);
  if (!block) throw new Error('config/aws-example.yaml has no storage.metrics block');
  return text.replace(
    block[0],
    `\n  metrics:\n    backend: timestream\n    timestream:\n      memory_retention: ${memoryRetention}\n      magnetic_retention: ${magneticRetention}\n`,
  );
}

/** A config text (the example by default) with two daily reports: one for every site, one for the lab at 06:30 in its own zone. */
export function withReports(text: string = readFileSync(AWS_EXAMPLE, 'utf8')): string {
  return `${text.replace(/^(\s+- id: st-anna-lab\n)/m, '$1    timezone: America/New_York\n')}
reports:
  - id: morning
    at: '07:00'
    channels: [oncall-email, ops-slack]
  - id: lab-early
    at: '06:30'
    sites: [st-anna-lab]
    channels: [ops-slack]
`;
}

/** The stack for a config text, with stub code (no bundling: synth stays offline and fast). */
export function stackFor(text: string = readFileSync(AWS_EXAMPLE, 'utf8'), retainOnDelete = true) {
  const deployment = parseConfigForDeployment(text, 'test.yaml');
  const stack = new PerformanceFlowStack(new App(), 'PerformanceFlow', {
    config: deployment.config,
    secretNames: deployment.secretNames,
    // The readers as `cdk synth` passes them (bin/app.ts): each function granted its own secrets.
    secretReaders: secretReadersOf(deployment.bundledConfig('test'), 'test.json'),
    code: { kind: 'stub' },
    retainOnDelete,
  });
  return { stack, template: Template.fromStack(stack) };
}

export function nagFindings(stack: PerformanceFlowStack): string[] {
  return [new AwsSolutionsChecks(stack), new HIPAASecurityChecks(stack)].flatMap((pack) =>
    pack.validateScope(stack).violations.map((violation) => violation.ruleName),
  );
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.toJSON().Resources as Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** Every IAM statement attached to the role of a function, by the function's logical id. */
export function statementsOfFunction(template: Template, functionId: string): { Action: unknown; Resource: unknown }[] {
  const fn = (template.toJSON().Resources as Resources)[functionId]!;
  const roleRef = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Roles as { Ref: string }[]).some((role) => role.Ref === roleRef))
    .flatMap(
      ([, policy]) => (policy.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
}

export function functionIdByPath(template: Template, fragment: string): string {
  const match = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.includes(fragment));
  if (!match) throw new Error(`no function with ${fragment} in its logical id`);
  return match[0];
}
