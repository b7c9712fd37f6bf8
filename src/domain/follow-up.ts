import type { Caller } from './caller';
import { listJobs } from './contain-jobs';
import type { ContainJob } from './containment';
import type { ContainmentApi, DeviceSighting } from './containment-ports';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import { actorOf } from './outcomes';
import type { AuditEntry, AuditLog, DefenderApi, Delegation, Store, Versioned } from './ports';
import { StoreKey, StorePrefix } from './store-keys';

/** A check-back on one successful block, due at `dueAt`, posted where the block was asked. */
export interface FollowUp {
  readonly id: string;
  readonly dueAt: string;
  readonly hash: FileHash;
  readonly tenantId?: string;
  /** Who blocked: their token checks the file again. */
  readonly blockedBy: Caller;
  readonly blockedAt: string;
  readonly comment: string;
  readonly indicatorId?: string;
  /** When the block was set to expire, if it was. */
  readonly expiresAt?: string;
  /** The conversation (channel thread or chat) to post in; opaque to the domain. */
  readonly where: unknown;
  /** The instance posting it, and since when (a claim older than CLAIM_STALE_MS is taken over). */
  readonly claim?: { readonly owner: string; readonly at: string };
}

/** A claimed follow-up that never finished (its instance went away) is taken over after this long. */
const CLAIM_STALE_MS = 10 * 60 * 1000;
/** Follow-ups are forgotten this long after they were due, posted or not. */
const KEEP_AFTER_DUE_MS = 7 * 24 * 60 * 60 * 1000;

/** Stores a follow-up under its due time (keys sort by when they are due). */
export async function scheduleFollowUp(store: Store, followUp: FollowUp, now: Date): Promise<void> {
  const ttlMs = Math.max(Date.parse(followUp.dueAt) - now.getTime(), 0) + KEEP_AFTER_DUE_MS;
  await store.put(StoreKey.followUp(followUp.dueAt, followUp.id), followUp, { ifNoneMatch: '*', ttlMs });
}

/** Follow-ups due by `now` that nobody is posting. */
export async function dueFollowUps(store: Store, now: Date): Promise<Array<Versioned<FollowUp> & { readonly key: string }>> {
  // Keys sort by due time: the listing stops at now, so a sweep never reads the follow-ups still to come.
  const upTo = StoreKey.followUp(now.toISOString(), '\uffff');
  return (await store.list<FollowUp>(StorePrefix.followUp, { before: upTo })).filter(
    (entry) => Date.parse(entry.value.dueAt) <= now.getTime() && !claimedElsewhere(entry.value, now),
  );
}

function claimedElsewhere(followUp: FollowUp, now: Date): boolean {
  return !!followUp.claim && now.getTime() - Date.parse(followUp.claim.at) < CLAIM_STALE_MS;
}

/** Takes a due follow-up for `owner` (eTag-conditional: one instance of many gets it). */
export async function claimFollowUp(
  store: Store,
  entry: Versioned<FollowUp> & { readonly key: string },
  owner: string,
  now: Date,
): Promise<(Versioned<FollowUp> & { readonly key: string }) | undefined> {
  const value: FollowUp = { ...entry.value, claim: { owner, at: now.toISOString() } };
  const written = await store.put(entry.key, value, { ifMatch: entry.etag, ttlMs: KEEP_AFTER_DUE_MS });
  return written.ok ? { key: entry.key, value, etag: written.etag } : undefined;
}

/** Removes a follow-up once it was posted (or was not to be). */
export async function finishFollowUp(store: Store, claimed: Versioned<FollowUp> & { readonly key: string }): Promise<void> {
  await store.delete(claimed.key, { ifMatch: claimed.etag });
}

/** What the file's block looks like now. */
export type BlockNow =
  | { readonly kind: 'inForce'; readonly status: FileStatus }
  | { readonly kind: 'lifted'; readonly by?: string; readonly at?: string; readonly how: 'unblock' | 'portal' }
  | { readonly kind: 'expired'; readonly at: string }
  | { readonly kind: 'unknown'; readonly detail: string };

/** What the check-back found: nothing to say (the block was undone), or the report to post. */
export type FollowUpFinding =
  | { readonly kind: 'undone'; readonly by: string; readonly at: string }
  | {
      readonly kind: 'report';
      readonly block: BlockNow;
      /** Devices on which the file was seen since the block; undefined when they could not be listed. */
      readonly seenSince?: readonly DeviceSighting[];
      /** Of those, the ones no containment has succeeded on. */
      readonly remaining?: readonly DeviceSighting[];
      readonly jobs: readonly ContainJob[];
    };

/** What checking back uses. */
export interface FollowUpDeps {
  readonly defender: DefenderApi;
  readonly containment?: ContainmentApi;
  readonly audit: AuditLog;
  readonly store: Store;
  readonly now: () => Date;
}

/**
 * Checks a block again as the person who made it: whether it was undone (no follow-up then), is
 * still in force, was lifted (by whom, from the audit trail) or expired; where the file was seen
 * since; and how any containment of it went. The check is audited.
 */
export async function checkBack(deps: FollowUpDeps, followUp: FollowUp, delegation: Delegation): Promise<FollowUpFinding> {
  const since = Date.parse(followUp.blockedAt);
  const trail = (await deps.audit.recent({ tenantId: followUp.tenantId, hash: followUp.hash.value, limit: 100 })).filter((e) => Date.parse(e.at) >= since && e.outcome === 'done');
  const undo = trail.find((e) => e.action === 'undo' || (e.action === 'approval-decision' && /\bundone\b/.test(e.detail ?? '')));
  if (undo) return { kind: 'undone', by: undo.actor.name, at: undo.at };
  const block = await blockNow(deps, followUp, delegation, trail);
  const devices = await devicesSince(deps, followUp, delegation);
  // Only this tenant's jobs: another tenant's containment of the same file is neither shown nor counted as covering a device.
  const jobs = (await listJobs(deps.store)).filter(
    (j) => j.tenantId === followUp.tenantId && (j.hash.value === followUp.hash.value || (devices.sha1 !== undefined && j.sha1 === devices.sha1)),
  );
  const contained = new Set(jobs.flatMap((j) => j.devices.filter((d) => d.state === 'Succeeded').map((d) => d.machineId)));
  const remaining = devices.seen?.filter((d) => !contained.has(d.id));
  const finding: FollowUpFinding = { kind: 'report', block, seenSince: devices.seen, remaining, jobs };
  await auditFinding(deps, followUp, finding).catch(() => undefined);
  return finding;
}

async function blockNow(deps: FollowUpDeps, followUp: FollowUp, delegation: Delegation, trail: readonly AuditEntry[]): Promise<BlockNow> {
  const now = deps.now().getTime();
  let status: FileStatus | undefined;
  try {
    status = await deps.defender.currentBlock(followUp.hash, delegation.defender);
  } catch (error) {
    return { kind: 'unknown', detail: error instanceof Error ? error.message : String(error) };
  }
  const expiry = status?.expirationTime ?? followUp.expiresAt;
  if (status && !status.cancellationDateTimeUtc && !/unblock|cancel/i.test(status.fileStatus)) {
    if (status.expirationTime && Date.parse(status.expirationTime) <= now) return { kind: 'expired', at: status.expirationTime };
    return { kind: 'inForce', status };
  }
  const lift = trail.find((e) => e.action === 'unblock' || (e.action === 'approval-decision' && /\bunblocked\b/.test(e.detail ?? '')));
  if (lift) return { kind: 'lifted', by: lift.actor.name, at: lift.at, how: 'unblock' };
  if (status?.cancellationDateTimeUtc) return { kind: 'lifted', by: status.cancellationRequestor, at: status.cancellationDateTimeUtc, how: 'portal' };
  if (expiry && Date.parse(expiry) <= now) return { kind: 'expired', at: expiry };
  return { kind: 'lifted', how: 'portal' };
}

async function devicesSince(deps: FollowUpDeps, followUp: FollowUp, delegation: Delegation): Promise<{ sha1?: string; seen?: DeviceSighting[] }> {
  if (!deps.containment) return {};
  try {
    const sha1 = await deps.containment.resolveSha1(followUp.hash, delegation.defender);
    if (!sha1) return { seen: [] };
    const devices = await deps.containment.devicesWithFile(sha1, delegation.defender);
    const since = Date.parse(followUp.blockedAt);
    return { sha1, seen: devices.filter((d) => d.lastSeen !== undefined && Date.parse(d.lastSeen) >= since) };
  } catch {
    return {};
  }
}

async function auditFinding(deps: FollowUpDeps, followUp: FollowUp, finding: Extract<FollowUpFinding, { kind: 'report' }>): Promise<void> {
  const seen = finding.seenSince === undefined ? 'devices not checked' : `seen on ${finding.seenSince.length} devices since the block`;
  await deps.audit.record({
    tenantId: followUp.tenantId,
    actor: actorOf(followUp.blockedBy),
    action: 'follow-up',
    outcome: 'done',
    hash: followUp.hash.value,
    hashType: followUp.hash.type,
    api: deps.defender.kind,
    detail: `block ${finding.block.kind === 'inForce' ? 'still in force' : finding.block.kind}; ${seen}`,
    correlationId: followUp.indicatorId,
  });
}
