import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A body this big leaves copies of itself as garbage on every thread that handled it: a ShotGrid
 * batch near its limit (~45 MB) is read, turned into a string, parsed, re-serialised per delivery
 * and posted to the writer thread, ~300 MB in all. V8 collects an idle thread's garbage only when
 * its memory reducer comes round, 10-20 s later, and RSS stays that much higher meanwhile; so each
 * thread that held such a body runs one full collection once it has had none for QUIET_MS.
 */
export const LARGE_BODY_BYTES = 8 * 1024 * 1024;
const QUIET_MS = 250;

let collect: (() => void) | null | undefined;

/**
 * V8's full collection, without running Node with --expose-gc: the flag is set only for as long
 * as it takes to make one new context, whose `gc` works on this thread's heap (a worker thread
 * gets its own the same way).
 */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return collect;
}

let timer: NodeJS.Timeout | undefined;

/** This thread just let go of a body of `bytes`: if it was a large one, collect once things are quiet. */
export function releaseSoon(bytes: number): void {
  if (bytes < LARGE_BODY_BYTES) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    collector()?.();
  }, QUIET_MS);
  timer.unref();
}
