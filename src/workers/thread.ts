/**
 * A worker thread of the pool (`pool.ts`). It knows no task of its own: each task kind is
 * a module, named by URL, that exports `start(data)` returning the kind's handler. A kind
 * the pool loads eagerly (`load`) starts as the thread starts; any other starts on its
 * first task. Results go back with their buffers transferred, not copied.
 */
import { parentPort, workerData, type Transferable } from 'node:worker_threads';
import type { TaskHandler, TaskModule } from './pool.js';

const kinds = new Map<string, Promise<TaskHandler>>();
function kind(name: string, url: string, data: unknown): Promise<TaskHandler> {
  let handler = kinds.get(name);
  if (!handler) {
    handler = import(url).then((m: TaskModule) => m.start(data));
    kinds.set(name, handler);
  }
  return handler;
}

type Message =
  | { load: { name: string; url: string; data: unknown } }
  | { id: number; name: string; url: string; data: unknown; payload: unknown };

/** The tasks of this thread, run one after another. */
let queue: Promise<unknown> = Promise.resolve();

parentPort!.on('message', (msg: Message) => {
  if ('load' in msg) {
    const { name, url, data } = msg.load;
    // A kind that fails to start says so on its first task.
    void kind(name, url, data).then(
      () => parentPort!.postMessage({ loaded: name }),
      () => parentPort!.postMessage({ loaded: name }),
    );
    return;
  }
  // One task at a time, in order: the pool sends a thread its next task before the current
  // one ends (see `pool.ts`), and a task's handler may wait (reading files) part-way.
  const ran = queue.then(() => kind(msg.name, msg.url, msg.data).then((handler) => handler(msg.payload)));
  queue = ran.catch(() => {});
  ran.then(
    (out: { result: unknown; transfer?: Transferable[] }) => parentPort!.postMessage({ id: msg.id, result: out.result }, out.transfer ?? []),
    (e: unknown) => parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
  );
});
parentPort!.postMessage({ started: true });

/**
 * Modules to load before any task names them (`workerData[PRELOAD]`, module URLs): a
 * thread started before the command's own code has loaded (scripts/lectern-bin.cjs) loads
 * its task modules meanwhile, so its first task finds them ready. Only loaded: a kind
 * starts when a task or `load` names it. A module that fails here fails again, and is
 * reported, when a task needs it.
 */
export const PRELOAD = 'lectern-preload';
const preload = (workerData as Record<string, unknown> | null)?.[PRELOAD];
if (Array.isArray(preload)) for (const url of preload) if (typeof url === 'string') import(url).catch(() => {});
