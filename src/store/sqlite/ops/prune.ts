import type Database from 'better-sqlite3';

/** Retention: events received before `before`, then requests no event points at. */
export function preparePrune(db: Database.Database) {
  const deleteEvents = db.prepare('DELETE FROM events WHERE received_at < ?');
  const deleteOrphans = db.prepare('DELETE FROM requests WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id)');
  return ({ before }: { before: number }) => {
    const events = deleteEvents.run(before).changes;
    deleteOrphans.run(before);
    return { events };
  };
}
