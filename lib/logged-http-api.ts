import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The fields every access line starts with. `route` is the route key (`GET /ack/{token}`), the
 * template and not the path, so it never carries what the caller put in the URL.
 */
export const REQUEST_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTime',
  route: '$context.routeKey',
  status: '$context.status',
} as const;

export interface LoggedHttpApiProps {
  readonly description: string;
  /** Requests per second across the API (steady, burst), applied on the stage. */
  readonly throttle: Required<ThrottleSettings>;
  /** Encrypts the access log group. */
  readonly logKey: IKey;
  /**
   * The fields each access line adds after REQUEST_LOG_FIELDS, by name, in order. Whatever may
   * carry a credential (the path, headers) is for the caller to leave out.
   */
  readonly accessLogFields: Readonly<Record<string, string>>;
}

/**
 * An HTTP API with one `$default` stage (auto-deployed, throttled) writing JSON access lines to a
 * log group of its own (KMS, 3 months). The caller adds the routes.
 *
 * Give it the id `Default` to keep the logical ids the API, stage and log group had when they
 * were the caller's own children: CDK leaves `Default` out of logical ids, and a replaced API
 * gets a new URL, which would strand agents' configs and acknowledge links already sent.
 */
export class LoggedHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly url: string;

  constructor(scope: Construct, id: string, props: LoggedHttpApiProps) {
    super(scope, id);
    const clashes = Object.keys(props.accessLogFields).filter((field) => field in REQUEST_LOG_FIELDS);
    if (clashes.length > 0) {
      throw new Error(`LoggedHttpApi accessLogFields: ${clashes.join(', ')} already logged on every line`);
    }
    this.api = new HttpApi(this, 'Api', { description: props.description, createDefaultStage: false });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify({ ...REQUEST_LOG_FIELDS, ...props.accessLogFields })),
      },
    });
    this.url = this.stage.url;
  }
}
