import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { DEFAULT_ASSUMPTIONS, type AssumptionKey } from '../../../src/domain/cost/assumptions.js';
import { estimateCost, type CostEstimate } from '../../../src/domain/cost/estimate.js';
import { SERVICES } from '../../../lambdas/shared/environment.js';
import type { PriceId } from '../../../src/domain/cost/prices.js';
import { AWS_EXAMPLE, resourcesOf, stackFor, withReports } from '../../lib/stack-support.js';

const REFERENCE = readFileSync(join(import.meta.dirname, '../../../config/reference-site.yaml'), 'utf8');

function quantity(estimate: CostEstimate, id: PriceId): number {
  return [...estimate.common, ...estimate.stores.amp].find((i) => i.priceId === id)!.quantity;
}

function serviceOf(props: Record<string, unknown>): unknown {
  const environment = props.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables?.POWERTOOLS_SERVICE_NAME;
}

// The estimate counts what the stack creates without loading the CDK (the domain cannot); this keeps
// the two in step. Loading aws-cdk-lib takes seconds on a busy 2-core machine: a roomier timeout.
describe('pflow cost counts what the stack synthesizes for the same config', { timeout: 120_000 }, () => {
  it('schedules, alarms, KMS keys, secrets and channel queues of the reference site', () => {
    const deployment = parseConfigForDeployment(REFERENCE, 'reference-site.yaml');
    const estimate = estimateCost(deployment.config, deployment.secretNames);
    const { template } = stackFor(REFERENCE);
    const count = (type: string) => resourcesOf(template, type).length;

    expect(estimate.usage.probeSchedules + estimate.usage.ruleCycles + estimate.usage.escalationSchedules).toBe(
      count('AWS::Scheduler::Schedule'),
    );
    expect(quantity(estimate, 'kms.key')).toBe(count('AWS::KMS::Key'));
    // The queues' KMS requests are counted at the data key reuse period every queue has.
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    expect(queues.length).toBe(2 * estimate.usage.channels + 2);
    expect(DEFAULT_ASSUMPTIONS.sqsDataKeyReuseMinutes.basis).toBe('stack');
    for (const [, queue] of queues) {
      expect(queue.KmsDataKeyReusePeriodSeconds).toBe(DEFAULT_ASSUMPTIONS.sqsDataKeyReuseMinutes.value * 60);
    }
    expect(quantity(estimate, 'secrets.secret')).toBe(count('AWS::SecretsManager::Secret'));
    // One long-polled queue per channel: the delivery functions' event sources.
    expect(estimate.usage.channels).toBe(count('AWS::Lambda::EventSourceMapping'));
    // The agent ingest and its authorizer are in the stack because a probe runs on an agent.
    expect(estimate.usage.agents).toBeGreaterThan(0);
    expect(quantity(estimate, 'cloudwatch.alarm')).toBe(count('AWS::CloudWatch::Alarm'));
  });

  it('the same for config/aws-example.yaml (two sites, an agent, an sns channel)', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8');
    const deployment = parseConfigForDeployment(text, 'aws-example.yaml');
    const estimate = estimateCost(deployment.config, deployment.secretNames);
    const { template } = stackFor(text);
    const count = (type: string) => resourcesOf(template, type).length;

    expect(estimate.usage.probeSchedules + estimate.usage.ruleCycles + estimate.usage.escalationSchedules).toBe(
      count('AWS::Scheduler::Schedule'),
    );
    expect(quantity(estimate, 'kms.key')).toBe(count('AWS::KMS::Key'));
    expect(quantity(estimate, 'secrets.secret')).toBe(count('AWS::SecretsManager::Secret'));
    expect(estimate.usage.channels).toBe(count('AWS::Lambda::EventSourceMapping'));
    // Here also the Grafana provisioner's two alarms (a grafana: section).
    expect(quantity(estimate, 'cloudwatch.alarm')).toBe(count('AWS::CloudWatch::Alarm'));
  });

  it('the same with daily reports: their schedules, function and report-not-published alarms', () => {
    const text = withReports();
    const deployment = parseConfigForDeployment(text, 'aws-example.yaml');
    const estimate = estimateCost(deployment.config, deployment.secretNames);
    const { template } = stackFor(text);
    const count = (type: string) => resourcesOf(template, type).length;

    expect(estimate.usage.reports).toBe(3);
    expect(
      estimate.usage.probeSchedules +
        estimate.usage.ruleCycles +
        estimate.usage.reports +
        estimate.usage.escalationSchedules,
    ).toBe(count('AWS::Scheduler::Schedule'));
    expect(quantity(estimate, 'cloudwatch.alarm')).toBe(count('AWS::CloudWatch::Alarm'));
  });

  it('the same with assets: the asset function, its two schedules and alarms, priced at its memory', () => {
    const text = `${readFileSync(AWS_EXAMPLE, 'utf8')}
assets:
  zones: [{ id: store-3, site: st-anna, kind: storage }]
  items: [{ id: pump-1, site: st-anna, tag: T-1, type: infusion-pump }]
`;
    const deployment = parseConfigForDeployment(text, 'aws-example.yaml');
    const estimate = estimateCost(deployment.config, deployment.secretNames);
    const { template } = stackFor(text);
    const count = (type: string) => resourcesOf(template, type).length;

    expect(estimate.usage.assetSchedules).toBe(2);
    expect(
      estimate.usage.probeSchedules +
        estimate.usage.ruleCycles +
        estimate.usage.escalationSchedules +
        estimate.usage.assetSchedules,
    ).toBe(count('AWS::Scheduler::Schedule'));
    expect(quantity(estimate, 'cloudwatch.alarm')).toBe(count('AWS::CloudWatch::Alarm'));
    const sizes = resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, props]) => serviceOf(props) === SERVICES.assets)
      .map(([, props]) => props.MemorySize);
    expect(sizes).toEqual([DEFAULT_ASSUMPTIONS.assetsMemoryMb.value]);
  });

  it('prices each function at the memory the stack gives it', () => {
    const { template } = stackFor(withReports());
    const memory: Partial<Record<AssumptionKey, keyof typeof SERVICES>> = {
      probeMemoryMb: 'probe',
      ruleMemoryMb: 'rule',
      deliverMemoryMb: 'deliver',
      metaAlarmMemoryMb: 'metaAlarm',
      ingestMemoryMb: 'ingest',
      authorizerMemoryMb: 'ingestAuthorizer',
      reportMemoryMb: 'report',
      escalateMemoryMb: 'escalate',
      lifecycleApiMemoryMb: 'lifecycleApi',
    };
    for (const [key, name] of Object.entries(memory) as [AssumptionKey, keyof typeof SERVICES][]) {
      const sizes = new Set(
        resourcesOf(template, 'AWS::Lambda::Function')
          .filter(([, props]) => serviceOf(props) === SERVICES[name])
          .map(([, props]) => props.MemorySize as number),
      );
      expect({ key, sizes: [...sizes] }).toEqual({ key, sizes: [DEFAULT_ASSUMPTIONS[key].value] });
      expect(DEFAULT_ASSUMPTIONS[key].basis).toBe('stack');
    }
  });
});
