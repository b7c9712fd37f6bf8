import { errorFields } from '../errors';
import type { Logger } from '../domain/ports';

/** Work that outlives the HTTP request that started it; drained on shutdown. */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Starts `task` now; failures are logged, never thrown. The promise settles when the task has. */
  run(label: string, task: () => Promise<void>): Promise<void> {
    const promise = task()
      .catch((error: unknown) => this.logger.error({ label, err: errorFields(error) }, 'Background work failed'))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
    return promise;
  }

  /** How many tasks are still running. */
  get size(): number {
    return this.running.size;
  }

  /** Waits for running work, at most `timeoutMs`; true when everything finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const all = (async () => {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      return true as const;
    })();
    const done = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return done;
  }
}
