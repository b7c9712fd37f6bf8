import type { BulkItem, BulkRun } from './bulk-block';
import type { ActionDeps } from './block-file';
import type { BlockOptions } from './block-options';
import type { Caller } from './caller';
import { actorOf } from './outcomes';
import type { BulkJobRecord } from './bulk-job';

export async function auditItems(deps: ActionDeps, job: { items: readonly BulkItem[]; options?: BlockOptions; caller: Caller }, run: BulkRun): Promise<void> {
  for (const item of job.items) {
    const result = run.results.get(item.hash.value);
    await deps.audit.record({
      tenantId: job.caller.tenantId,
      actor: actorOf(job.caller),
      action: 'block',
      outcome: result?.ok ? 'done' : 'failed',
      hash: item.hash.value,
      hashType: item.hash.type,
      comment: item.comment,
      options: job.options,
      api: deps.defender.kind,
      detail: result?.ok ? 'bulk' : `bulk: ${result?.reason ?? 'not attempted'}`,
    });
  }
}

export async function auditSummary(
  deps: ActionDeps,
  job: { items: readonly BulkItem[]; options?: BlockOptions; caller: Caller },
  outcome: 'done' | 'denied' | 'failed',
  detail: string,
): Promise<void> {
  await deps.audit.record({
    tenantId: job.caller.tenantId,
    actor: actorOf(job.caller),
    action: 'bulk-block',
    outcome,
    options: job.options,
    api: deps.defender.kind,
    detail,
    count: job.items.length,
  });
}

/** What an interrupted job's record says, after its per-hash outcomes (and the unknown ones) are written to the audit trail. */
export async function auditInterrupted(
  deps: ActionDeps,
  record: BulkJobRecord,
): Promise<{ total: number; blocked: number; failed: number; notSent: number; unknown: readonly string[] }> {
  const { spec, results, inFlight } = record;
  for (const item of spec.items) {
    const result = results[item.hash.value];
    const unknown = !result && inFlight.includes(item.hash.value);
    if (!result && !unknown) continue;
    await deps.audit
      .record({
        tenantId: spec.caller.tenantId,
        actor: actorOf(spec.caller),
        action: 'block',
        outcome: unknown ? 'unknown' : result?.ok ? 'done' : 'failed',
        hash: item.hash.value,
        hashType: item.hash.type,
        comment: item.comment,
        options: spec.options,
        api: deps.defender.kind,
        detail: unknown ? 'bulk: sent before a restart, answer not received' : result?.ok ? 'bulk' : `bulk: ${result?.reason ?? 'failed'}`,
      })
      .catch(() => undefined);
  }
  const all = Object.values(results);
  const blocked = all.filter((r) => r.ok).length;
  const unknown = inFlight.filter((hash) => !results[hash]);
  const state = { total: spec.items.length, blocked, failed: all.length - blocked, notSent: spec.items.length - all.length - unknown.length, unknown };
  await auditSummary(deps, spec, 'failed', `interrupted: ${blocked} blocked, ${state.failed} not blocked, ${state.notSent} not sent, ${unknown.length} unknown`).catch(
    () => undefined,
  );
  return state;
}
