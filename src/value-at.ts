/**
 * `a.b.0.c` into a parsed JSON value: object keys and array indexes, own properties only (a
 * payload's `constructor` or `__proto__` is never a prototype's); anything missing on the way is
 * undefined. The one lookup behind dedupe's `field:<path>`, a plugin's `where` and exec's `env`.
 */
export function valueAt(value: unknown, path: string | string[]): unknown {
  let node = value;
  for (const key of typeof path === 'string' ? path.split('.') : path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
