import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Notifications } from './notifications.js';
import { Storage } from './storage.js';

export interface PerformanceFlowStackProps extends StackProps {
  readonly retainOnDelete?: boolean;
}

/** One deployment (many sites). Stacks only compose constructs; each construct owns one concern. */
export class PerformanceFlowStack extends Stack {
  readonly storage: Storage;
  readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: PerformanceFlowStackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage', { retainOnDelete: props.retainOnDelete ?? true });
    this.notifications = new Notifications(this, 'Notifications');
  }
}
