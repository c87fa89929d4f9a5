import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from '../command.js';
import { configFrom, parse } from '../context.js';
import { applyPragmas, migrate as runMigrations } from '../../store/sqlite/migrate.js';
import { migrationsDir } from '../../paths.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'create or upgrade the database from migrations/',
  usage: `hookd migrate [--config FILE]

Applies every migrations/NNN_*.sql file not yet recorded in schema_migrations, each in its own
transaction. \`hookd serve\` does the same at start; this verb is for deploy pipelines.`,
  async run(argv, io) {
    const { values } = parse(argv, {});
    const config = configFrom(values, io);
    const file = config.storage.sqlite.path;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      applyPragmas(db, { synchronous: config.storage.sqlite.synchronous, busyTimeoutMs: 5000 });
      const applied = runMigrations(db, migrationsDir);
      if (values.json) io.out(JSON.stringify({ database: file, applied: applied.map((m) => m.version) }));
      else io.out(applied.length ? `${file}: applied ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}` : `${file}: up to date`);
    } finally {
      db.close();
    }
    return 0;
  },
};
