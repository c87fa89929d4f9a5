/** The package's public surface: for plugin authors and for embedding hookd. */
export { startHookd, type Hookd, type StartOptions } from './serve.js';
export { loadConfig, type HookdConfig } from './config/load.js';
export { verify, sign, generateSecret } from './verify/index.js';
export { KINDS, SCHEMAS, type Kind } from './senders/kinds.js';
export {
  definePlugin,
  type PluginDefinition,
  type PluginEvent,
  type PluginContext,
  type PluginMatch,
  type WhereCondition,
  type LogLevel,
  type BuiltinPluginConfig,
} from './dispatch/plugin.js';
export type { Dispatcher, DispatcherEvents, PluginStatus, PluginState, Outcome, OutcomeStatus } from './dispatch/types.js';
