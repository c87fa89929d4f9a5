import type Database from 'better-sqlite3';

/**
 * Queues stored events for one plugin, or for every plugin whose file or config entry is present
 * (whatever its state: a deactivated or disabled plugin takes them when it runs again). An event
 * already queued for a plugin is queued once.
 */
export function prepareEnqueueRedelivery(db: Database.Database) {
  const forOne = db.prepare(
    `INSERT OR IGNORE INTO plugin_redeliveries (plugin, event_id, queued_at)
     SELECT c.plugin, e.id, @now FROM plugin_cursors c, events e WHERE c.plugin = @plugin AND e.id = @eventId`,
  );
  const forAll = db.prepare(
    `INSERT OR IGNORE INTO plugin_redeliveries (plugin, event_id, queued_at)
     SELECT c.plugin, e.id, @now FROM plugin_cursors c, events e WHERE c.present = 1 AND e.id = @eventId ORDER BY c.plugin`,
  );
  return ({ eventIds, plugin }: { eventIds: string[]; plugin?: string | undefined }): number => {
    const now = Date.now();
    let queued = 0;
    for (const eventId of eventIds) {
      queued += (plugin === undefined ? forAll.run({ eventId, now }) : forOne.run({ eventId, plugin, now })).changes;
    }
    return queued;
  };
}
