import { RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ISecret, CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretIdFor } from '../src/domain/config/cloud.js';
import type { AwsSettings } from '../src/domain/config/cloud.js';

export interface SecretsProps {
  /** Every `${NAME}` the config references. */
  readonly names: readonly string[];
  readonly aws: AwsSettings;
  /** The deployment key (DeploymentKey, always retained like the secrets): created secrets are encrypted with it. */
  readonly key: IKey;
}

/**
 * One Secrets Manager secret per `${NAME}` in the config: created EMPTY (the operator fills it
 * with `aws secretsmanager put-secret-value`; no value ever passes through the template), or an
 * existing secret imported by the name the config gives. Created secrets are retained when the
 * stack is deleted, so a hospital's webhook URLs and passwords are never lost by a teardown.
 */
export class Secrets extends Construct {
  readonly secrets: ReadonlyMap<string, ISecret>;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    const secrets = new Map<string, ISecret>();
    for (const name of props.names) {
      const imported = props.aws.secrets[name];
      if (imported) {
        secrets.set(name, Secret.fromSecretNameV2(this, name, imported.name));
        continue;
      }
      const secret = new Secret(this, name, {
        secretName: secretIdFor(name, props.aws),
        description: `PerformanceFlow config \${${name}}: fill with aws secretsmanager put-secret-value`,
        encryptionKey: props.key,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Neither a value nor a generated one: CloudFormation then creates the secret empty.
      (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
      secrets.set(name, secret);
    }
    this.secrets = secrets;
  }

  /** Every function validates the whole config at cold start, so each reads every secret. */
  grantReadAll(grantee: IGrantable): void {
    for (const secret of this.secrets.values()) secret.grantRead(grantee);
  }
}
