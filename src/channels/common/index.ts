export {
  formatNumber,
  formatThreshold,
  formatTime,
  messageColour,
  overviewFacts,
  stateName,
  summarise,
  type ChannelMessage,
  type LabelPair,
  type MessageAlert,
  type MessageColour,
  type MessageLink,
  type SummariseOptions,
} from './message.js';
export {
  classifyNetworkError,
  postJson,
  redactOutcome,
  type HttpPostRequest,
  type HttpResponseSummary,
} from './http-post.js';
export {
  jsonPostSender,
  type JsonPostChannel,
  type JsonPostRequest,
  type JsonPostSettings,
} from './json-post-sender.js';
export { channelRedactor, secretValues } from './secrets.js';
export { durationSetting, httpUrlSetting } from './settings.js';
export { truncateText, TRUNCATED_MARKER } from './truncate.js';
