import type { ContainmentApi, DeviceSighting, MachineActionState, MachineActionStatus, StopAndQuarantineResult } from '../../src/domain/containment-ports';
import type { FileHash } from '../../src/domain/file-hash';
import type { TokenSource } from '../../src/domain/ports';

/** One call as Defender received it, with the token the caller's TokenSource produced. */
export type ContainmentCall =
  | { readonly method: 'resolveSha1'; readonly hash: string; readonly token: string }
  | { readonly method: 'devicesWithFile'; readonly sha1: string; readonly token: string }
  | { readonly method: 'stopAndQuarantine'; readonly machineId: string; readonly sha1: string; readonly comment: string; readonly token: string }
  | { readonly method: 'machineAction'; readonly actionId: string; readonly token: string };

/**
 * A ContainmentApi for unit tests: devices per SHA-1, SHA-256/MD5 to SHA-1, per-device answers
 * (or thrown errors) for stop & quarantine, and machine action states a test moves on. Every call
 * is recorded with its token.
 */
export class ScriptedContainment implements ContainmentApi {
  readonly calls: ContainmentCall[] = [];
  private readonly devices = new Map<string, DeviceSighting[]>();
  private readonly sha1Of = new Map<string, string>();
  private readonly answers = new Map<string, Array<StopAndQuarantineResult | Error>>();
  private readonly actions = new Map<string, MachineActionState>();
  private readonly pollFailures: Error[] = [];
  private nextAction = 1;

  /** The file's devices; `alias` (a SHA-256 or MD5) resolves to the SHA-1. */
  seed(sha1: string, devices: DeviceSighting[], alias?: string): void {
    this.devices.set(sha1, devices);
    if (alias) this.sha1Of.set(alias, sha1);
  }

  /** The next stop & quarantine answers (or errors) for one device; afterwards it starts an action. */
  answer(machineId: string, ...answers: Array<StopAndQuarantineResult | Error>): void {
    this.answers.set(machineId, [...(this.answers.get(machineId) ?? []), ...answers]);
  }

  /** The next machine action polls throw these. */
  failPolls(...errors: Error[]): void {
    this.pollFailures.push(...errors);
  }

  /** Moves an action (by device) to a state. */
  setStatus(machineId: string, status: MachineActionStatus): void {
    for (const [id, action] of this.actions) if (action.machineId === machineId) this.actions.set(id, { ...action, status });
  }

  /** The actions started, by device. */
  actionOf(machineId: string): MachineActionState | undefined {
    return [...this.actions.values()].find((a) => a.machineId === machineId);
  }

  async resolveSha1(hash: FileHash, token: TokenSource): Promise<string | undefined> {
    this.calls.push({ method: 'resolveSha1', hash: hash.value, token: await token() });
    if (hash.type === 'Sha1') return hash.value;
    return this.sha1Of.get(hash.value);
  }

  async devicesWithFile(sha1: string, token: TokenSource): Promise<DeviceSighting[]> {
    this.calls.push({ method: 'devicesWithFile', sha1, token: await token() });
    return [...(this.devices.get(sha1) ?? [])];
  }

  async stopAndQuarantine(machineId: string, sha1: string, comment: string, token: TokenSource): Promise<StopAndQuarantineResult> {
    this.calls.push({ method: 'stopAndQuarantine', machineId, sha1, comment, token: await token() });
    const scripted = this.answers.get(machineId)?.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const action: MachineActionState = { id: `action-${this.nextAction++}`, machineId, status: 'Pending', updatedAt: '2025-03-01T12:00:00Z' };
    this.actions.set(action.id, action);
    return { kind: 'started', action };
  }

  async machineAction(actionId: string, token: TokenSource): Promise<MachineActionState | undefined> {
    this.calls.push({ method: 'machineAction', actionId, token: await token() });
    const failure = this.pollFailures.shift();
    if (failure) throw failure;
    return this.actions.get(actionId);
  }

  /** The calls of one method. */
  callsOf<M extends ContainmentCall['method']>(method: M): Array<Extract<ContainmentCall, { method: M }>> {
    return this.calls.filter((c): c is Extract<ContainmentCall, { method: M }> => c.method === method);
  }
}
