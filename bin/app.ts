import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PerformanceFlowStack } from '../lib/performance-flow-stack.js';

// The CDK app (`cdk synth`, `cdk deploy`): no account or region lookups, so synth works offline.
const app = new App();
new PerformanceFlowStack(app, app.node.tryGetContext('stackName') ?? 'PerformanceFlow');
// cdk-nag's AWS Solutions pack runs as a synth-time validation: a finding fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
