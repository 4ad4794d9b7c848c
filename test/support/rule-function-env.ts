/**
 * The environment the rule and escalation functions get from the stack, pointed at a bundled
 * config in `dir` and the tables of a dynalite (test/support/dynamodb-local.ts) at `dynamoEndpoint`.
 */
import { ALERT_STATE_TABLE, LIFECYCLE_TABLE } from './dynamodb-local.js';

export function ruleFunctionEnv(dir: string, dynamoEndpoint: string): NodeJS.ProcessEnv {
  return {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_TIMESTREAM_DATABASE: 'pflow',
    PFLOW_ALERT_STATE_TABLE: ALERT_STATE_TABLE,
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
    PFLOW_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
  };
}
