/** A store value as JSON; throws TypeError for what JSON cannot hold (undefined, functions). */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('Store values must be JSON-serialisable');
  return json;
}

/** When a write made at `now` (ms) with `ttlMs` expires, in ms; null without a ttl. Throws RangeError for a bad ttl. */
export function expiry(now: number, ttlMs: number | undefined): number | null {
  if (ttlMs === undefined) return null;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return now + Math.ceil(ttlMs);
}
