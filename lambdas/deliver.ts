import { channelFactories } from '../src/channels/registry.js';
import { deliverHandler, type DeliverHandlerOptions } from './shared/deliver.js';
import { channelOnCall } from './shared/deliver-oncall.js';

export { perInvocationRate, withStackTopic, type DeliverHandlerOptions } from './shared/deliver.js';

/**
 * The deliver function with every channel kind, as the tests and the cloud pipeline test drive it.
 * The stack deploys lambdas/deliver/<kind>.ts instead: the same handler with one kind's sender.
 */
export function createDeliverHandler(options: DeliverHandlerOptions = {}) {
  return deliverHandler(channelFactories, { onCall: channelOnCall, ...options });
}
