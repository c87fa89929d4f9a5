import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { applyPragmas, migrate } from '../../store/sqlite/migrate.js';
import { migrationsDir } from '../../paths.js';

/** `hookd migrate`: applies pending migrations, as `serve` does at start (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {});
  const config = configFrom(values, io);
  const file = config.storage.sqlite.path;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    applyPragmas(db, { synchronous: config.storage.sqlite.synchronous, busyTimeoutMs: 5000 });
    const applied = migrate(db, migrationsDir);
    if (values.json) io.out(JSON.stringify({ database: file, applied: applied.map((m) => m.version) }));
    else io.out(applied.length ? `${file}: applied ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}` : `${file}: up to date`);
  } finally {
    db.close();
  }
  return 0;
}
