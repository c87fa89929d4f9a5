import type Database from 'better-sqlite3';
import type { EventStatus } from '../../types.js';
import type { ValidationIssue } from '../../../iglu/index.js';
import { prepareEnqueueRedelivery } from './enqueueRedelivery.js';

/**
 * Revalidate's results in the same transaction as the redeliveries they call for: an event that
 * becomes `accepted` is queued for every plugin present, so no crash can leave a released event
 * behind every cursor and never handed over.
 */
export function prepareUpdateValidation(db: Database.Database) {
  const update = db.prepare('UPDATE events SET status = ?, schema = ?, errors = ? WHERE id = ?');
  const enqueue = prepareEnqueueRedelivery(db);
  return (updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]): { queued: number } => {
    for (const u of updates) update.run(u.status, u.schema, u.errors ? JSON.stringify(u.errors) : null, u.id);
    const released = updates.filter((u) => u.status === 'accepted').map((u) => u.id);
    return { queued: released.length ? enqueue({ eventIds: released }) : 0 };
  };
}
