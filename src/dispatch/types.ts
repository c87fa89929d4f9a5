/**
 * The dispatcher's face towards the rest of hookd (admin API, CLI, metrics). The dispatch stage
 * implements it; the admin surface codes against it.
 */
export type PluginState = 'active' | 'deactivated' | 'disabled';
export type OutcomeStatus = 'pending' | 'done' | 'failed' | 'skipped';

export interface PluginStatus {
  name: string;
  /** 'file' for plugins in plugins.dir; 'exec' / 'forward' for built-ins from the config. */
  origin: 'file' | 'exec' | 'forward';
  /** The plugin file, for file plugins. */
  file?: string;
  state: PluginState;
  /** seq of the last event this plugin has finished with. */
  cursor: number;
  /** Events committed after the cursor. */
  lag: number;
  lastError: string | null;
  /** Consecutive failed attempts on the current event. */
  failures: number;
  /**
   * Whether this receiver runs the plugin now. Always true on SQLite; on PostgreSQL each plugin
   * runs on the one replica holding its lease, and the others show it as held elsewhere.
   */
  leased: boolean;
}

export interface Outcome {
  eventId: string;
  plugin: string;
  status: OutcomeStatus;
  attempts: number;
  error: string | null;
  /** Captured output (exec) or answer (forward), truncated. */
  output: string | null;
  updatedAt: number;
}

export interface DispatcherEvents {
  outcome: [Outcome & { ms: number }];
  state: [{ plugin: string; state: PluginState; reason: string }];
  /** A plugin's handler started on an event committed by this process (first handover): ms since its commit. */
  started: [{ plugin: string; lagMs: number }];
  /**
   * A plugin's loop has handed over (or passed over) everything it found and committed its cursor:
   * what a test awaits before asserting that something did not happen.
   */
  idle: [{ plugin: string; cursor: number }];
}

export interface Dispatcher {
  list(): Promise<PluginStatus[]>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  /** Re-dispatch stored events (already verified) to one plugin or to every matching one; returns how many (event, plugin) pairs were queued. */
  replay(eventIds: string[], plugin?: string): Promise<number>;
  outcomesFor(eventId: string): Promise<Outcome[]>;
  on<K extends keyof DispatcherEvents>(event: K, listener: (...args: DispatcherEvents[K]) => void): unknown;
  off<K extends keyof DispatcherEvents>(event: K, listener: (...args: DispatcherEvents[K]) => void): unknown;
  close(): Promise<void>;
}
