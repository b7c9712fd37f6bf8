import { z } from 'zod';
import type { ContainmentApi, DeviceSighting, MachineActionState, StopAndQuarantineResult } from '../domain/containment-ports';
import type { FileHash } from '../domain/file-hash';
import type { TokenSource } from '../domain/ports';
import { DefenderError } from '../errors';
import { ContainmentBudget, type ContainmentCallKind } from './containment-budget';
import type { DefenderCall, DefenderHttp, DefenderResponse } from './defender-http';
import { parseFileInfo, unlessNotFound } from './file-details';
import { parseMachineAction, parseSighting } from './machine-action';

/** Pages of `GET /files/{sha1}/machines` followed at most (Defender's own limit for this action is 1,000 devices). */
const MAX_PAGES = 20;

/** The delegated permissions containment needs, named in refusals. */
export const STOP_AND_QUARANTINE_PERMISSION = 'Machine.StopAndQuarantine';
export const MACHINE_READ_PERMISSION = 'Machine.Read';

const SHA1 = /^[0-9a-f]{40}$/i;

const CollectionSchema = z.looseObject({ value: z.array(z.unknown()), '@odata.nextLink': z.string().nullish() });

/**
 * Defender for Endpoint's machine APIs (same base URL as the Indicators API): find the devices where a file
 * was seen, stop & quarantine it on each, and read each machine action. Each kind of call spends its own
 * budget (100/min, 1,500/hour) before it is sent; a 429 is retried by DefenderHttp after its Retry-After, and
 * one that outlasts those retries holds that kind of call back (failing fast) until its Retry-After has passed.
 */
export class HttpContainmentApi implements ContainmentApi {
  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
    private readonly budget: ContainmentBudget = new ContainmentBudget(),
  ) {}

  async resolveSha1(hash: FileHash, token: TokenSource): Promise<string | undefined> {
    if (hash.type === 'Sha1') return hash.value.toLowerCase();
    const url = `${this.baseUrl}/files/${encodeURIComponent(hash.value)}`;
    const answer = await unlessNotFound(this.send('fileLookup', { kind: 'query', method: 'GET', url }, token));
    if (answer === undefined) return undefined;
    const sha1 = parseFileInfo(answer.body).sha1;
    if (sha1 === undefined || !SHA1.test(sha1)) {
      throw new DefenderError('unexpected', `Defender knows ${hash.value} but did not give its SHA-1, which stop & quarantine needs.`);
    }
    return sha1;
  }

  async devicesWithFile(sha1: string, token: TokenSource): Promise<DeviceSighting[]> {
    requireSha1(sha1);
    const first = `${this.baseUrl}/files/${encodeURIComponent(sha1.toLowerCase())}/machines`;
    const origin = new URL(first).origin;
    const devices: DeviceSighting[] = [];
    let next: string | undefined = first;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const answer = await this.listPage(next, token);
      if (answer === undefined) return devices;
      const parsed = CollectionSchema.safeParse(answer.body);
      if (!parsed.success) throw new DefenderError('unexpected', 'Defender answered with a device list the bot could not read.', {}, { cause: parsed.error });
      for (const item of parsed.data.value) {
        const device = parseSighting(item);
        if (device && !devices.some((d) => d.id === device.id)) devices.push(device);
      }
      const link = parsed.data['@odata.nextLink'];
      const resolved: URL | undefined = link ? new URL(link, next) : undefined;
      next = resolved?.origin === origin ? resolved.toString() : undefined;
    }
    return devices;
  }

  async stopAndQuarantine(machineId: string, sha1: string, comment: string, token: TokenSource): Promise<StopAndQuarantineResult> {
    requireSha1(sha1);
    const url = `${this.baseUrl}/machines/${encodeURIComponent(machineId)}/StopAndQuarantineFile`;
    let answer: DefenderResponse;
    try {
      answer = await this.send('stopAndQuarantine', { kind: 'block', method: 'POST', url, body: { Comment: comment, Sha1: sha1.toLowerCase() } }, token);
    } catch (error) {
      const refusal = error instanceof DefenderError ? deviceRefusal(error) : undefined;
      if (refusal) return refusal;
      throw error;
    }
    try {
      return { kind: 'started', action: parseMachineAction(answer.body) };
    } catch {
      // Accepted (2xx) but unreadable: an action exists on the device that cannot be followed by its id.
      return { kind: 'already-in-progress', detail: `Defender accepted the request (HTTP ${answer.status}) but its answer could not be read.` };
    }
  }

  async machineAction(actionId: string, token: TokenSource): Promise<MachineActionState | undefined> {
    const url = `${this.baseUrl}/machineactions/${encodeURIComponent(actionId)}`;
    const answer = await unlessNotFound(this.send('machineAction', { kind: 'query', method: 'GET', url }, token));
    return answer && parseMachineAction(answer.body);
  }

  /** One page of devices; undefined for a 404 (an unknown file, should Defender answer so instead of an empty list). */
  private async listPage(url: string, token: TokenSource): Promise<DefenderResponse | undefined> {
    try {
      return await unlessNotFound(this.send('devices', { kind: 'query', method: 'GET', url }, token));
    } catch (error) {
      if (error instanceof DefenderError && error.reason === 'forbidden' && mentionsPermission(error.message)) {
        const named = permissionNamed(error.message) ?? MACHINE_READ_PERMISSION;
        throw new DefenderError('forbidden', `Defender refused to list the devices: the sign-in lacks the delegated permission ${named}. (${error.message})`, error.details, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private async send(budget: ContainmentCallKind, call: DefenderCall, token: TokenSource): Promise<DefenderResponse> {
    await this.budget.acquire(budget);
    try {
      return await this.http.send(call, token);
    } catch (error) {
      const wait = error instanceof DefenderError && error.reason === 'rateLimited' ? error.details.retryAfterSeconds : undefined;
      if (wait !== undefined) this.budget.holdOff(budget, wait);
      throw error;
    }
  }
}

/** A per-device answer Defender gave to one stop & quarantine, or undefined when the failure is not about the device. */
export function deviceRefusal(error: DefenderError): StopAndQuarantineResult | undefined {
  const { httpStatus, upstreamCode } = error.details;
  const code = upstreamCode?.toLowerCase() ?? '';
  const detail = error.message;
  const refused = (reason: Extract<StopAndQuarantineResult, { kind: 'refused' }>['reason'], text = detail): StopAndQuarantineResult => ({
    kind: 'refused',
    reason,
    detail: text,
    ...(upstreamCode ? { code: upstreamCode } : {}),
  });
  if (httpStatus === 400) {
    if (code === 'activerequestalreadyexists' || /already in progress/i.test(detail)) return { kind: 'already-in-progress', detail };
    if (code === 'osplatformnotsupported' || code === 'clientversionnotsupported') return refused('unsupported-platform');
    if (/microsoft[- ]signed|trusted third[- ]party/i.test(detail)) return refused('microsoft-signed');
    return refused('other');
  }
  if (httpStatus === 403) {
    if (code === 'disabledfeature') return undefined;
    if (mentionsPermission(detail)) {
      const named = permissionNamed(detail) ?? STOP_AND_QUARANTINE_PERMISSION;
      return refused('missing-permission', `The sign-in lacks the delegated permission ${named}. (${detail})`);
    }
    return refused('outside-device-groups');
  }
  if (httpStatus === 404) return refused('device-not-found');
  return undefined;
}

/** True when a 403's message is about the token's permissions, not about the device. */
function mentionsPermission(message: string): boolean {
  return /permission|scope|\bscp\b|\broles?\b/i.test(message);
}

/** The first `Machine.*` permission a message names. */
function permissionNamed(message: string): string | undefined {
  return /\bMachine\.[A-Za-z]+(?:\.All)?\b/.exec(message)?.[0];
}

function requireSha1(sha1: string): void {
  if (!SHA1.test(sha1)) throw new DefenderError('invalidHash', `Stop & quarantine takes a SHA-1 only; ${sha1} is not one.`);
}
