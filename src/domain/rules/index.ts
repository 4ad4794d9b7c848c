export { evaluate, UNKNOWN_SITE, type EvaluationInput, type EvaluationOutput } from './evaluate.js';
export { conditionHolds, reduceWindow } from './reducers.js';
export { IndexedSeries, SeriesIndex } from './series-index.js';
export { expandTemplate, formatValue } from './templates.js';
export {
  REDUCERS,
  samplesNeeded,
  type AlertInstanceState,
  type ErrorPolicy,
  type NoDataPolicy,
  type Reducer,
  type RuleDefinition,
  type RuleGroupDefinition,
} from './types.js';
