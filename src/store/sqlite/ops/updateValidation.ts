import type Database from 'better-sqlite3';
import type { EventStatus } from '../../types.js';
import type { ValidationIssue } from '../../../iglu/index.js';

export function prepareUpdateValidation(db: Database.Database) {
  const update = db.prepare('UPDATE events SET status = ?, schema = ?, errors = ? WHERE id = ?');
  return (updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]) => {
    for (const u of updates) update.run(u.status, u.schema, u.errors ? JSON.stringify(u.errors) : null, u.id);
    return null;
  };
}
