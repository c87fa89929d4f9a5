/**
 * The one rule for the names a user gives: sources (`POST /hooks/<source>`) and plugins (a file's
 * `name`, a built-in's `name`). They appear in URLs, metric labels and log lines unescaped.
 */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const NAME = new RegExp(NAME_PATTERN);

export const NAME_RULE = '1-64 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit)';

export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value);
}
