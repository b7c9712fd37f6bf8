/** Commands waiting for their sender to finish signing in; each runs once or expires once. */
export class PendingCommands<T> {
  private readonly entries = new Map<string, { value: T; timer: NodeJS.Timeout }>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (value: T) => void,
  ) {}

  /** Keeps `value` for `key`, replacing (without expiring) what was there. */
  put(key: string, value: T): void {
    const previous = this.entries.get(key);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.entries.delete(key);
      this.onExpire(value);
    }, this.timeoutMs);
    timer.unref();
    this.entries.set(key, { value, timer });
  }

  /** Removes and returns what waits for `key`. */
  take(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    return entry.value;
  }

  /** Drops everything without expiring it (shutdown). */
  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }
}

/** One key per person and conversation; a channel thread's `;messageid=` suffix is ignored. */
export function pendingKey(conversationId: string | undefined, userId: string | undefined): string {
  return `${(conversationId ?? '').split(';')[0]}|${userId ?? ''}`;
}
