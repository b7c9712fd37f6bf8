import type { AuditEntry } from '../domain/ports';

/** Keeps only the fields an AuditEntry has, so nothing else a caller attached reaches the durable trail. */
export function auditEntry(id: string, at: string, e: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
  return {
    id,
    at,
    tenantId: e.tenantId,
    actor: { aadObjectId: e.actor.aadObjectId, name: e.actor.name, userId: e.actor.userId },
    action: e.action,
    outcome: e.outcome,
    hash: e.hash,
    hashType: e.hashType,
    comment: e.comment,
    options: e.options,
    api: e.api,
    detail: e.detail,
    correlationId: e.correlationId,
    count: e.count,
  };
}

/** Throws RangeError unless `limit` is a whole number >= 0. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
}

/** Any ISO time as a canonical UTC ISO string; throws RangeError for anything else. */
export function isoTime(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`Not an ISO time: ${value}`);
  return new Date(time).toISOString();
}
