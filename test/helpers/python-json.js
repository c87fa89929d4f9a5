// JobServ's wire format, shared by the tests and the bench.

/** Python json.dumps(obj) bytes, as JobServ sends them: ", " and ": " separators, \uXXXX escapes. */
export function pythonJsonDumps(value) {
  const str = (s) =>
    '"' +
    [...s]
      .map((ch) => {
        const c = ch.codePointAt(0);
        if (ch === '"') return '\\"';
        if (ch === '\\') return '\\\\';
        if (ch === '\n') return '\\n';
        if (ch === '\r') return '\\r';
        if (ch === '\t') return '\\t';
        if (c < 0x20 || c > 0x7e) {
          if (c > 0xffff) {
            const v = c - 0x10000;
            return '\\u' + (0xd800 + (v >> 10)).toString(16).padStart(4, '0') + '\\u' + (0xdc00 + (v & 0x3ff)).toString(16).padStart(4, '0');
          }
          return '\\u' + c.toString(16).padStart(4, '0');
        }
        return ch;
      })
      .join('') +
    '"';
  const enc = (v) => {
    if (v === null) return 'null';
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return '[' + v.map(enc).join(', ') + ']';
    return (
      '{' +
      Object.entries(v)
        .map(([k, x]) => str(k) + ': ' + enc(x))
        .join(', ') +
      '}'
    );
  };
  return enc(value);
}
