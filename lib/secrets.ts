import { RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ISecret, CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretIdFor } from '../src/domain/config/cloud.js';
import type { AwsSettings } from '../src/domain/config/cloud.js';
import { readsSecret, type ReadingFunction, type SecretReaders } from '../src/domain/config/secret-readers.js';

export interface SecretsProps {
  /** Every `${NAME}` the config references. */
  readonly names: readonly string[];
  readonly aws: AwsSettings;
  /** The deployment key (DeploymentKey, always retained like the secrets): created secrets are encrypted with it. */
  readonly key: IKey;
  /**
   * Which functions read each secret (the bundled config's `readers`, src/domain/config/secret-readers.ts).
   * A name absent here, or no map at all, is read by every function that loads the config.
   */
  readonly readers?: Readonly<Record<string, SecretReaders>>;
}

/**
 * One Secrets Manager secret per `${NAME}` in the config: created EMPTY (the operator fills it
 * with `aws secretsmanager put-secret-value`; no value ever passes through the template), or an
 * existing secret imported by the name the config gives. Created secrets are retained when the
 * stack is deleted, so a hospital's webhook URLs and passwords are never lost by a teardown.
 */
export class Secrets extends Construct {
  readonly secrets: ReadonlyMap<string, ISecret>;
  private readonly readers: Readonly<Record<string, SecretReaders>>;

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
    this.readers = props.readers ?? {};
  }

  /**
   * Least privilege: a function may read the secrets its part of the config holds, the ones its
   * loader fills in (lambdas/shared/config.ts decides with the same readers), and no other.
   */
  grantReadTo(grantee: IGrantable, reading: ReadingFunction): void {
    for (const [name, secret] of this.secrets) {
      if (readsSecret(Object.hasOwn(this.readers, name) ? this.readers[name] : undefined, reading)) {
        secret.grantRead(grantee);
      }
    }
  }
}
