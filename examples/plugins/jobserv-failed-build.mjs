// A notice for every JobServ (Foundries.io CI) build that failed: which runs failed and where
// their logs are. Logged as a warning; also POSTed as {"text": …} to JOBSERV_NOTIFY_URL when set
// (a Slack or Mattermost incoming webhook takes that shape).

/** @type {import('hookd').PluginDefinition} */
export default {
  match: {
    schema: 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-*-*',
    where: { path: 'status', in: ['FAILED', 'RUNNING_WITH_FAILURES'] },
  },

  async handle(event, ctx) {
    const build = event.payload;
    const project = /\/projects\/([^/]+\/[^/]+)\/builds\//.exec(build.url ?? '')?.[1] ?? event.source;
    const failed = (build.runs ?? []).filter((run) => run.status === 'FAILED');
    const lines = [
      `Build ${build.build_id} of ${project} ${build.status}${build.trigger_name ? ` (trigger ${build.trigger_name})` : ''}`,
      ...failed.map((run) => `  ✗ ${run.name}: ${run.log_url}`),
      ...(build.web_url ? [`  ${build.web_url}`] : []),
    ];
    const text = lines.join('\n');
    ctx.logger.warn({ build: build.build_id, project, failedRuns: failed.map((run) => run.name) }, lines[0]);

    const url = process.env.JOBSERV_NOTIFY_URL;
    if (url) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: ctx.signal,
      });
      // A throw is retried with back-off; the chat service may be down for a moment.
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    }
    return text;
  },
};
