import { DefenderError, TokenError } from '../errors';
import { refuseUnlessHolds } from './access';
import { BLOCKING_ROLES } from './roles';
import { FINAL_MACHINE_ACTION_STATES, type MachineActionStatus, type StopAndQuarantineResult } from './containment-ports';
import type { ContainDeps, ContainDevice, ContainJob } from './containment';
import { actorOf } from './outcomes';
import type { AuditOutcome, Delegation } from './ports';

/** Polls back off by this factor, up to MAX_POLL_MS apart. */
const BACKOFF = 1.5;
const MAX_POLL_MS = 10 * 60 * 1000;
/** Devices sent per step: a step stays well within its lease, and the card shows progress between steps. */
export const SEND_PER_STEP = 25;
/** A step sends no more once it has run this long (throttled calls wait inside the client), so it ends well within its lease. */
export const STEP_BUDGET_MS = 60_000;
/** When Defender asks to slow down without saying how long. */
const DEFAULT_RETRY_AFTER_S = 60;

/**
 * Drives a job one step as the caller: sends stop & quarantine to every queued device (stopping
 * at a 429 until Retry-After), then polls the open machine actions with backoff until all are
 * final or the watch ends. Never throws for Defender or token failures: the job comes back with
 * what was done so far (a token failure marks it paused), so that nothing sent is sent twice.
 */
export async function advanceJob(deps: ContainDeps, job: ContainJob, delegation: Delegation): Promise<ContainJob> {
  const step = new Step(deps, job);
  try {
    if (job.phase === 'sending') await step.send(delegation);
    else if (job.phase === 'tracking') await step.poll(delegation);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return step.result({ paused: 'signInFailed', nextAt: step.later(deps.settings.pollMs) });
  }
  return step.result();
}

/** Whether a device's action still has to be watched by this job. */
export function tracked(device: ContainDevice): boolean {
  return !!device.actionId && (device.state === 'Pending' || device.state === 'InProgress');
}

class Step {
  private readonly devices: ContainDevice[];
  private readonly now: Date;
  private next: Partial<ContainJob> = {};
  private auditMissed = 0;

  constructor(
    private readonly deps: ContainDeps,
    private readonly job: ContainJob,
  ) {
    this.devices = [...job.devices];
    this.now = deps.now();
  }

  /** `ms` from now (the step's clock moves while it waits on Defender). */
  later(ms: number): string {
    return new Date(this.deps.now().getTime() + ms).toISOString();
  }

  result(extra: Partial<ContainJob> = {}): ContainJob {
    const missed = this.auditMissed + (this.job.auditMissed ?? 0);
    return { ...this.job, paused: undefined, ...this.next, ...extra, devices: this.devices, ...(missed ? { auditMissed: missed } : {}) };
  }

  async send(delegation: Delegation): Promise<void> {
    const { containment, settings } = this.deps;
    // The role is checked live before every sending step: a job resumed hours later (or after a restart) sends nothing for someone who lost it.
    if (this.devices.some((d) => d.state === 'queued') && !this.watchOver() && !(await this.stillHoldsRole(delegation))) return;
    let sent = 0;
    for (let i = 0; i < this.devices.length; i++) {
      const device = this.devices[i];
      if (device.state !== 'queued') continue;
      if (sent === SEND_PER_STEP || this.deps.now().getTime() - this.now.getTime() >= STEP_BUDGET_MS) {
        this.next = { nextAt: this.later(0) };
        return;
      }
      sent++;
      if (this.watchOver()) {
        this.devices[i] = { ...device, state: 'refused', reason: 'other', detail: 'Not sent: tracking ended before Defender would take the request.' };
        continue;
      }
      let answer: StopAndQuarantineResult;
      try {
        answer = await containment.stopAndQuarantine(device.machineId, this.job.sha1, this.job.comment, delegation.defender);
      } catch (error) {
        if (!(error instanceof DefenderError)) throw error;
        if (error.reason === 'rateLimited') {
          this.next = { nextAt: this.later((error.details.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S) * 1000) };
          return;
        }
        if (error.reason === 'network' || error.reason === 'unavailable' || error.reason === 'timeout') {
          this.next = { nextAt: this.later(settings.pollMs) };
          return;
        }
        this.devices[i] =
          error.reason === 'outcomeUnknown'
            ? { ...device, state: 'unknown', detail: 'The request was sent but its answer was lost: the action may or may not exist.' }
            : { ...device, state: 'refused', reason: 'other', detail: error.message };
        await this.audit(this.devices[i]);
        continue;
      }
      this.devices[i] = applyAnswer(device, answer);
      await this.audit(this.devices[i]);
    }
    if (this.devices.some((d) => d.state === 'queued')) return;
    this.next = this.devices.some(tracked)
      ? { phase: 'tracking', polls: 0, nextAt: this.later(settings.pollMs) }
      : { phase: 'finished', endedAt: this.now.toISOString(), nextAt: this.now.toISOString() };
  }

  /** False when the step must not send: the role is gone (every queued device is then refused) or could not be checked (tried again later). */
  private async stillHoldsRole(delegation: Delegation): Promise<boolean> {
    const refused = await refuseUnlessHolds(this.deps.roles, this.job.caller, delegation, BLOCKING_ROLES);
    if (!refused) return true;
    if (refused.kind !== 'denied') {
      this.next = { nextAt: this.later(this.deps.settings.pollMs) };
      return false;
    }
    const detail = `Not sent: ${this.job.caller.name} no longer holds the Security Administrator or Global Administrator role.`;
    for (let i = 0; i < this.devices.length; i++) {
      if (this.devices[i].state !== 'queued') continue;
      this.devices[i] = { ...this.devices[i], state: 'refused', reason: 'missing-permission', detail };
      await this.audit(this.devices[i]);
    }
    this.next = this.devices.some(tracked)
      ? { phase: 'tracking', polls: 0, nextAt: this.later(this.deps.settings.pollMs) }
      : { phase: 'finished', endedAt: this.now.toISOString(), nextAt: this.now.toISOString() };
    return false;
  }

  async poll(delegation: Delegation): Promise<void> {
    // A poll stops at the step budget like sending does (throttled reads wait in the client), and the next one starts where it stopped.
    const n = this.devices.length;
    const start = Math.min(this.job.pollFrom ?? 0, n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const device = this.devices[i];
      if (!tracked(device) || !device.actionId) continue;
      if (this.deps.now().getTime() - this.now.getTime() >= STEP_BUDGET_MS) {
        this.next = { pollFrom: i, nextAt: this.later(0) };
        return;
      }
      try {
        const action = await this.deps.containment.machineAction(device.actionId, delegation.defender);
        if (!action) {
          this.devices[i] = { ...device, state: 'unknown', detail: 'Defender no longer knows this machine action.' };
          await this.audit(this.devices[i]);
          continue;
        }
        if (action.status === device.state) continue;
        this.devices[i] = { ...device, state: action.status, updatedAt: action.updatedAt };
        if (FINAL_MACHINE_ACTION_STATES.has(action.status)) await this.audit(this.devices[i]);
      } catch (error) {
        if (!(error instanceof DefenderError)) throw error;
        if (error.reason === 'rateLimited') {
          this.next = { pollFrom: i, nextAt: this.later((error.details.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S) * 1000) };
          return;
        }
        // Any other failure: this device is asked again on the next poll.
      }
    }
    this.finishOrWait();
    this.next = { ...this.next, pollFrom: undefined };
  }

  private finishOrWait(): void {
    const open = this.devices.filter(tracked);
    if (open.length === 0) {
      this.next = { phase: 'finished', endedAt: this.now.toISOString(), nextAt: this.now.toISOString() };
      return;
    }
    if (this.watchOver()) {
      this.next = { phase: 'finished', watchEnded: true, endedAt: this.now.toISOString(), nextAt: this.now.toISOString() };
      return;
    }
    const polls = this.job.polls + 1;
    const wait = Math.min(this.deps.settings.pollMs * BACKOFF ** polls, MAX_POLL_MS);
    this.next = { polls, nextAt: this.later(Math.max(wait, this.deps.settings.pollMs)) };
  }

  private watchOver(): boolean {
    return this.now.getTime() >= Date.parse(this.job.watchUntil);
  }

  /** One audit line per device action and outcome; a failed write is counted on the job and said on the card, never stops the job. */
  private async audit(device: ContainDevice): Promise<void> {
    const { outcome, detail } = auditOf(device);
    try {
      await this.deps.audit.record({
        tenantId: this.job.tenantId,
        actor: actorOf(this.job.caller),
        action: 'contain',
        outcome,
        hash: this.job.hash.value,
        hashType: this.job.hash.type,
        comment: this.job.comment,
        api: this.deps.api,
        detail: `${device.name ?? device.machineId}: ${detail}`,
        correlationId: device.actionId ?? device.machineId,
      });
    } catch {
      this.auditMissed++;
    }
  }
}

function applyAnswer(device: ContainDevice, answer: StopAndQuarantineResult): ContainDevice {
  switch (answer.kind) {
    case 'started':
      return { ...device, state: answer.action.status, actionId: answer.action.id, updatedAt: answer.action.updatedAt, name: device.name ?? answer.action.deviceName };
    case 'already-in-progress':
      return { ...device, state: 'Pending', alreadyRunning: true, detail: answer.detail };
    case 'refused':
      return { ...device, state: 'refused', reason: answer.reason, detail: answer.detail };
  }
}

const FINAL_OUTCOMES: Record<Extract<MachineActionStatus, 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled'>, AuditOutcome> = {
  Succeeded: 'done',
  Failed: 'failed',
  TimeOut: 'failed',
  Cancelled: 'cancelled',
};

function auditOf(device: ContainDevice): { outcome: AuditOutcome; detail: string } {
  switch (device.state) {
    case 'Succeeded':
    case 'Failed':
    case 'TimeOut':
    case 'Cancelled':
      return { outcome: FINAL_OUTCOMES[device.state], detail: `stop & quarantine ${device.state}` };
    case 'refused':
      return { outcome: 'failed', detail: `refused (${device.reason ?? 'other'}): ${device.detail ?? ''}`.trim() };
    case 'unknown':
      return { outcome: 'unknown', detail: device.detail ?? 'outcome unknown' };
    default:
      return { outcome: 'requested', detail: device.alreadyRunning ? 'an earlier stop & quarantine is still in progress there' : `stop & quarantine ${device.state}` };
  }
}
