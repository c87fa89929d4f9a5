// HKube pipeline progress in hookd's log, at the level HKube gave it; progress below `info`
// (trace, silly, debug) is left out by the match.

/** @type {import('hookd').PluginDefinition} */
export default {
  match: {
    schema: 'iglu:dev.hookd.hkube/progress/jsonschema/1-*-*',
    where: { path: 'level', atLeast: 'info' },
  },

  handle(event, ctx) {
    const p = event.payload;
    const line = [
      `${p.jobId} ${p.status}`,
      p.data?.progress !== undefined ? ` ${p.data.progress}%` : '',
      p.data?.details ? ` — ${p.data.details}` : '',
      p.error ? ` — error: ${p.error}` : '',
    ].join('');
    ctx.logger[PINO_LEVEL[p.level] ?? 'info']({ jobId: p.jobId, pipeline: p.pipeline, status: p.status }, line);
    return line;
  },
};

/** HKube's levels on pino's. */
const PINO_LEVEL = { trace: 'trace', silly: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', critical: 'fatal' };
