// One log line per Apache Aurora task state change: role/environment/job/instance, old → new
// state, and the scheduler's message when there is one. Failures are logged as warnings.

/** @type {import('hookd').PluginDefinition} */
export default {
  match: { schema: 'iglu:dev.hookd.aurora/task_state_change/jsonschema/1-*-*' },

  handle(event, ctx) {
    const { task, oldState } = event.payload;
    const assigned = task.assignedTask;
    const job = assigned.task?.job ?? {};
    const key = `${job.role}/${job.environment}/${job.name}/${assigned.instanceId}`;
    // oldState is a serialized Optional: {} for a new task, {value: "PENDING"} otherwise.
    const from = oldState?.value ?? 'new';
    const last = task.taskEvents?.at(-1);
    const line = `${key} ${from} → ${task.status}${last?.message ? `: ${last.message}` : ''}${assigned.slaveHost ? ` on ${assigned.slaveHost}` : ''}`;
    const bad = ['FAILED', 'LOST', 'KILLED'].includes(task.status);
    ctx.logger[bad ? 'warn' : 'info']({ taskId: assigned.taskId, status: task.status, failures: task.failureCount }, line);
    return line;
  },
};
