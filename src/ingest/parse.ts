import { HookdError } from '../errors.js';

/** Deeper than this is not a webhook; it is an attempt to exhaust the stack of whatever reads it next. */
export const MAX_DEPTH = 128;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The verified bytes as JSON: strict UTF-8, bounded nesting, else a 400 that says which. */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HookdError(400, 'invalid_utf8', 'body is not valid UTF-8');
  }
  if (nestingDepth(text) > MAX_DEPTH) {
    throw new HookdError(400, 'too_deep', `body nests JSON deeper than ${MAX_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HookdError(400, 'invalid_json', `body is not JSON: ${(err as Error).message}`);
  }
}

/** Deepest [ / { nesting outside strings, in one pass without recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}
