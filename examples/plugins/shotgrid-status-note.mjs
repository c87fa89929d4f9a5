// When an entity's status changes in ShotGrid (Flow Production Tracking), leave a Note on it —
// the classic shotgunEvents example. With SHOTGRID_SITE (https://<site>.shotgrid.autodesk.com)
// and SHOTGRID_TOKEN (an OAuth access token) set, the Note is created through the REST API;
// otherwise it is only logged.

/** @type {import('hookd').PluginDefinition} */
export default {
  match: {
    schema: 'iglu:dev.hookd.shotgrid/event_delivery/jsonschema/1-*-*',
    where: [
      { path: 'data.operation', equals: 'update' },
      { path: 'data.meta.attribute_name', equals: 'sg_status_list' },
    ],
  },

  async handle(event, ctx) {
    const d = event.payload.data;
    const m = d.meta;
    const who = d.user ? `${d.user.type} ${d.user.id}` : 'someone';
    const subject = `${m.entity_type} ${m.entity_id}: status ${m.old_value ?? '(none)'} → ${m.new_value}`;
    const content = `Status of ${m.entity_type} ${m.entity_id} changed from ${m.old_value ?? '(none)'} to ${m.new_value} by ${who} at ${d.created_at}.`;
    const note = {
      subject,
      content,
      ...(d.project ? { project: d.project } : {}),
      note_links: [{ type: m.entity_type, id: m.entity_id }],
    };

    const site = process.env.SHOTGRID_SITE;
    const token = process.env.SHOTGRID_TOKEN;
    if (!site || !token) {
      ctx.logger.info({ note }, `would create a Note: ${subject}`);
      return subject;
    }
    const res = await fetch(`${site.replace(/\/+$/, '')}/api/v1/entity/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(note),
      signal: ctx.signal,
    });
    if (!res.ok) throw new Error(`ShotGrid answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const created = await res.json();
    ctx.logger.info({ note: created.data?.id }, `created Note ${created.data?.id}: ${subject}`);
    return `Note ${created.data?.id}: ${subject}`;
  },
};
