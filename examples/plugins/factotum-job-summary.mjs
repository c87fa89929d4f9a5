// A summary of each finished Factotum job: the Factfile it ran (sent base64-encoded in every
// update) beside the state of each task, so a failed run shows what was planned and what broke.
// Factotum 0.6+ ends a run SUCCEEDED or FAILED (older releases said COMPLETED).

/** @type {import('hookd').PluginDefinition} */
export default {
  match: {
    schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-*-*',
    where: { path: 'data.runState', in: ['SUCCEEDED', 'FAILED', 'COMPLETED'] },
  },

  handle(event, ctx) {
    const job = event.payload.data;
    const factfile = decodeFactfile(job.factfile);
    const states = new Map((job.taskStates ?? []).map((t) => [t.taskName, t]));
    // The Factfile's order is the planned order; tasks only reported by Factotum come after.
    const names = [...(factfile?.data?.tasks ?? []).map((t) => t.name), ...states.keys()];
    const tasks = [...new Set(names)].map((name) => {
      const planned = factfile?.data?.tasks?.find((t) => t.name === name);
      const state = states.get(name);
      const command = planned ? [planned.command, ...(planned.arguments ?? [])].join(' ') : '?';
      const result = state
        ? `${state.state}${state.duration ? ` in ${state.duration}` : ''}${state.returnCode !== undefined ? `, exit ${state.returnCode}` : ''}`
        : 'not reported';
      const why = state?.errorMessage ?? state?.error_message ?? (state?.state === 'FAILED' ? state?.stderr : undefined);
      return `  ${MARK[state?.state] ?? '·'} ${name} (${command}): ${result}${why ? ` — ${why.trim()}` : ''}`;
    });
    const summary = [
      `${job.jobName} ${job.runState} in ${job.runDuration} (run ${job.runReference.slice(0, 12)}, Factotum ${job.applicationContext?.version ?? '?'})`,
      ...tasks,
    ].join('\n');
    ctx.logger[job.runState === 'FAILED' ? 'warn' : 'info']({ job: job.jobName, run: job.runReference, state: job.runState }, summary);
    return summary;
  },
};

const MARK = { SUCCEEDED: '✓', SUCCEEDED_NO_OP: '✓', COMPLETED: '✓', FAILED: '✗', SKIPPED: '-', RUNNING: '…', WAITING: '…' };

/** The Factfile is itself self-describing JSON: {schema: "iglu:…/factfile/…", data: {name, tasks}}. */
function decodeFactfile(base64) {
  try {
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}
