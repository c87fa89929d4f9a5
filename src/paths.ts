import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root (where package.json, migrations/ and registry/ live), from dist/ or src/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const migrationsDir = path.join(packageRoot, 'migrations');
/** hookd's embedded Iglu registry, laid out like a static registry (registry/schemas/<vendor>/<name>/<format>/<version>). */
export const embeddedRegistryDir = path.join(packageRoot, 'registry');
