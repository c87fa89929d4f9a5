import type pg from 'pg';
import { HookdError } from '../../errors.js';
import type { DispatchProgress, EventStatus, PluginCursor, PluginCursorPatch } from '../types.js';
import type { ValidationIssue } from '../../iglu/index.js';
import { inTransaction } from './connect.js';
import { PLUGIN_COLUMNS, toPluginCursor, type PluginRow } from './rows.js';

/**
 * The dispatch writes of src/store/sqlite/ops, with the same meaning, plus the leases that keep
 * each plugin on one replica at a time.
 */
export class PluginWrites {
  constructor(
    private readonly pool: pg.Pool,
    /** This store instance in plugin_leases.owner. */
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly notify: (client: pg.ClientBase) => Promise<unknown>,
  ) {}

  async register(p: { name: string; origin: PluginCursor['origin']; file: string | null; cursor: number }): Promise<PluginCursor> {
    const now = Date.now();
    const { rows } = await this.pool.query<PluginRow>(
      `INSERT INTO plugin_cursors (plugin, origin, file, present, cursor, created_at, updated_at)
       VALUES ($1, $2, $3, TRUE, $4, $5, $5)
       ON CONFLICT (plugin) DO UPDATE SET origin = EXCLUDED.origin, file = EXCLUDED.file, present = TRUE, updated_at = EXCLUDED.updated_at
       RETURNING ${PLUGIN_COLUMNS}`,
      [p.name, p.origin, p.file, p.cursor, now],
    );
    return toPluginCursor(rows[0]!);
  }

  /** A state change bumps state_version, so the other replicas (and a CLI) see it at their next poll. */
  async update(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined> {
    return inTransaction(this.pool, async (client) => {
      const current = (await client.query<PluginRow>(`SELECT ${PLUGIN_COLUMNS} FROM plugin_cursors WHERE plugin = $1 FOR UPDATE`, [name])).rows[0];
      if (!current) return undefined;
      const values: unknown[] = [name, Date.now()];
      const sets = ['updated_at = $2'];
      const set = (column: string, value: unknown) => {
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      };
      if (patch.state !== undefined) set('state', patch.state);
      if (patch.hash !== undefined) set('hash', patch.hash);
      if (patch.present !== undefined) set('present', patch.present);
      if (patch.failures !== undefined) set('failures', patch.failures);
      if (patch.lastError !== undefined) set('last_error', patch.lastError);
      if (patch.origin !== undefined) set('origin', patch.origin);
      if (patch.file !== undefined) set('file', patch.file);
      const bump = patch.state !== undefined && patch.state !== current.state;
      if (bump) sets.push('state_version = state_version + 1');
      const { rows } = await client.query<PluginRow>(`UPDATE plugin_cursors SET ${sets.join(', ')} WHERE plugin = $1 RETURNING ${PLUGIN_COLUMNS}`, values);
      if (bump) await this.notify(client);
      return toPluginCursor(rows[0]!);
    });
  }

  /** Takes or renews this instance's lease on each name; a name another live instance holds is left out. */
  async lease(names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const { rows } = await this.pool.query<{ plugin: string }>(
      `INSERT INTO plugin_leases (plugin, owner, expires_at)
       SELECT name, $2, now() + $3 * interval '1 millisecond' FROM unnest($1::text[]) AS name
       ON CONFLICT (plugin) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
        WHERE plugin_leases.owner = EXCLUDED.owner OR plugin_leases.expires_at < now()
       RETURNING plugin`,
      [names, this.owner, this.leaseMs],
    );
    return new Set(rows.map((r) => r.plugin));
  }

  async release(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query('DELETE FROM plugin_leases WHERE owner = $1 AND plugin = ANY($2::text[])', [this.owner, names]);
      if (rowCount) await this.notify(client); // the others take them over now, not when they would have expired
    });
  }

  /**
   * Outcomes, cursor (never back), failure count and the finished redelivery in one transaction,
   * and only while this instance holds the plugin's lease (checked in the same transaction, so a
   * replica that lost it writes nothing: 409 lease_lost).
   */
  async record(p: DispatchProgress): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const held = await client.query('SELECT 1 FROM plugin_leases WHERE plugin = $1 AND owner = $2 AND expires_at > now() FOR UPDATE', [p.plugin, this.owner]);
      if (held.rowCount === 0) throw new HookdError(409, 'lease_lost', `plugin '${p.plugin}' is held by another replica now`);
      const now = Date.now();
      if (p.outcomes.length) {
        // An event pruned meanwhile has no outcome to keep: the EXISTS skips it instead of failing the step.
        await client.query(
          `INSERT INTO plugin_outcomes (event_id, plugin, status, attempts, error, output, updated_at)
           SELECT t.event_id, $1, t.status, t.attempts, t.error, t.output, $2
             FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[]) AS t(event_id, status, attempts, error, output)
            WHERE EXISTS (SELECT 1 FROM events WHERE id = t.event_id)
           ON CONFLICT (event_id, plugin) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
             error = EXCLUDED.error, output = EXCLUDED.output, updated_at = EXCLUDED.updated_at`,
          [
            p.plugin,
            now,
            p.outcomes.map((o) => o.eventId),
            p.outcomes.map((o) => o.status),
            p.outcomes.map((o) => o.attempts),
            p.outcomes.map((o) => o.error),
            p.outcomes.map((o) => o.output),
          ],
        );
      }
      if (p.cursor !== undefined || p.failures !== undefined || p.lastError !== undefined) {
        await client.query(
          `UPDATE plugin_cursors SET updated_at = $2,
             cursor = GREATEST(cursor, COALESCE($3::bigint, cursor)),
             failures = COALESCE($4::int, failures),
             last_error = CASE WHEN $5::boolean THEN $6::text ELSE last_error END
           WHERE plugin = $1`,
          [p.plugin, now, p.cursor ?? null, p.failures ?? null, p.lastError !== undefined, p.lastError ?? null],
        );
      }
      if (p.redelivered !== undefined) await client.query('DELETE FROM plugin_redeliveries WHERE id = $1', [p.redelivered]);
    });
  }

  /** For one plugin, or for every plugin present (whatever its state); an event already queued for a plugin is queued once. */
  async enqueue(eventIds: string[], plugin?: string): Promise<number> {
    if (eventIds.length === 0) return 0;
    return inTransaction(this.pool, async (client) => {
      const queued = await enqueueIn(client, eventIds, plugin);
      if (queued) await this.notify(client);
      return queued;
    });
  }

  /** Revalidate's results and the redeliveries of the events now accepted, in one transaction. */
  async updateValidation(updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]): Promise<{ queued: number }> {
    if (updates.length === 0) return { queued: 0 };
    return inTransaction(this.pool, async (client) => {
      await client.query(
        `UPDATE events e SET status = u.status, schema = u.schema, errors = u.errors
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, status, schema, errors) WHERE e.id = u.id`,
        [
          updates.map((u) => u.id),
          updates.map((u) => u.status),
          updates.map((u) => u.schema),
          updates.map((u) => (u.errors ? JSON.stringify(u.errors) : null)),
        ],
      );
      const released = updates.filter((u) => u.status === 'accepted').map((u) => u.id);
      const queued = released.length ? await enqueueIn(client, released, undefined) : 0;
      await this.notify(client);
      return { queued };
    });
  }
}

async function enqueueIn(client: pg.ClientBase, eventIds: string[], plugin: string | undefined): Promise<number> {
  // Event by event in the given order (the queue keeps it), plugins by name.
  const { rowCount } = await client.query(
    `INSERT INTO plugin_redeliveries (plugin, event_id, queued_at)
     SELECT c.plugin, e.id, $3 FROM unnest($1::text[]) WITH ORDINALITY AS q(id, n)
       JOIN events e ON e.id = q.id
       JOIN plugin_cursors c ON ($2::text IS NULL AND c.present) OR c.plugin = $2::text
      ORDER BY q.n, c.plugin
     ON CONFLICT (plugin, event_id) DO NOTHING`,
    [eventIds, plugin ?? null, Date.now()],
  );
  return rowCount ?? 0;
}
