import { type Ctx, dotnetUtc, fail, type Failure, HEX, invalidHash, missing, requestorOf, type Route, send, str } from './exchange';
import type { FakeMachineAction } from './machines-state';

const MACHINE_READ = ['Machine.Read', 'Machine.Read.All', 'Machine.ReadWrite', 'Machine.ReadWrite.All'] as const;
const STOP_AND_QUARANTINE = ['Machine.StopAndQuarantine'] as const;

/** The device side of the Defender API: where a file was seen, stop & quarantine, machine actions. Rate-limited per route. */
export const MACHINES_ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/files\/([^/]+)\/machines\/?$/i, name: 'machines:file-machines', limit: 'call', permissions: MACHINE_READ, handle: fileMachines },
  {
    method: 'POST',
    path: /^\/machines\/([^/]+)\/StopAndQuarantineFile$/i,
    name: 'machines:stop-and-quarantine',
    limit: 'call',
    permissions: STOP_AND_QUARANTINE,
    handle: stopAndQuarantine,
  },
  { method: 'GET', path: /^\/machineactions\/([^/]+)\/?$/i, name: 'machines:action', limit: 'call', permissions: MACHINE_READ, handle: machineAction },
];

/** `GET /files/{sha1}/machines`: SHA-1 only; an unknown file is a 200 with an empty `value`. */
function fileMachines(ctx: Ctx): void {
  const sha1 = decodeURIComponent(ctx.param ?? '');
  if (!HEX[40].test(sha1)) return fail(ctx.res, ctx.rec, invalidHash(sha1));
  const { machines } = ctx.state;
  const ids = machines.sightings.get(sha1.toLowerCase()) ?? [];
  const value = ids.flatMap((id) => {
    const device = machines.devices.get(id);
    if (!device) return [];
    const { refusal: _refusal, ...shown } = device;
    return [{ computerDnsName: null, osPlatform: 'Windows11', lastSeen: null, healthStatus: 'Active', ...shown }];
  });
  send(ctx, 200, { '@odata.context': `${ctx.state.settings.indicatorsUrl()}/$metadata#Machines`, value });
}

/** `POST /machines/{id}/StopAndQuarantineFile` with `{"Comment", "Sha1"}` (case-sensitive): 201 MachineAction, or the documented refusals. */
function stopAndQuarantine(ctx: Ctx): void {
  const body = ctx.rec.body as Record<string, unknown>;
  for (const name of ['Comment', 'Sha1']) {
    if (body[name] === undefined || body[name] === null || body[name] === '') return fail(ctx.res, ctx.rec, missing(name));
  }
  if (typeof body.Comment !== 'string' || typeof body.Sha1 !== 'string')
    return fail(ctx.res, ctx.rec, { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect' });
  if (!HEX[40].test(body.Sha1)) return fail(ctx.res, ctx.rec, invalidHash(body.Sha1));
  const machineId = decodeURIComponent(ctx.param ?? '');
  const { machines } = ctx.state;
  const device = machines.devices.get(machineId);
  if (!device) return fail(ctx.res, ctx.rec, { status: 404, code: 'ResourceNotFound', message: `Machine ${machineId} was not found.` });
  const refusal = refusalOf(device.refusal, str(device.osPlatform), machineId, machines.busy(machineId));
  if (refusal) return fail(ctx.res, ctx.rec, refusal);
  const now = dotnetUtc(ctx.state.now());
  const action: FakeMachineAction = {
    id: machines.newActionId(),
    type: 'StopAndQuarantineFile',
    scope: null,
    requestor: requestorOf(ctx.claims),
    requestorComment: body.Comment,
    status: 'Pending',
    machineId,
    computerDnsName: device.computerDnsName ?? null,
    creationDateTimeUtc: now,
    cancellationRequestor: null,
    cancellationComment: null,
    cancellationDateTimeUtc: null,
    errorHResult: 0,
    title: null,
    externalID: null,
    requestSource: 'PublicApi',
    relatedFileInfo: { fileIdentifier: body.Sha1.toLowerCase(), fileIdentifierType: 'Sha1' },
  };
  machines.setStatus(action, 'Pending', now);
  machines.actions.set(action.id, action);
  const script = machines.deviceScripts.get(machineId);
  if (script) {
    machines.scripts.set(action.id, script);
    machines.deviceScripts.delete(machineId);
  }
  send(ctx, 201, { '@odata.context': `${ctx.state.settings.indicatorsUrl()}/$metadata#MachineActions/$entity`, ...action });
}

/** `GET /machineactions/{id}`: the action as it is now (a scripted action moves one step per read); 404 when unknown. */
function machineAction(ctx: Ctx): void {
  const id = decodeURIComponent(ctx.param ?? '');
  const { machines } = ctx.state;
  const action = machines.actions.get(id);
  if (!action) return fail(ctx.res, ctx.rec, { status: 404, code: 'ResourceNotFound', message: `Machine action ${id} was not found.` });
  const script = machines.scripts.get(id);
  const step = script?.shift();
  if (step !== undefined) machines.setStatus(action, step, dotnetUtc(ctx.state.now()));
  if (script && script.length === 0) machines.scripts.delete(id);
  send(ctx, 200, { '@odata.context': `${ctx.state.settings.indicatorsUrl()}/$metadata#MachineActions/$entity`, ...action });
}

function refusalOf(refusal: string | undefined, osPlatform: string, machineId: string, busy: boolean): Failure | undefined {
  if (refusal === 'outside-groups') {
    return { status: 403, code: 'Forbidden', message: `The user is not allowed to act on machine ${machineId}: it is outside the user's device groups.` };
  }
  if (refusal === 'unsupported-platform' || (osPlatform !== '' && !/^windows/i.test(osPlatform))) {
    return { status: 400, code: 'OsPlatformNotSupported', message: `Action StopAndQuarantineFile is not supported on ${osPlatform || 'this OS platform'}.` };
  }
  if (refusal === 'old-client') return { status: 400, code: 'ClientVersionNotSupported', message: 'The Defender client version of the machine does not support this action.' };
  if (refusal === 'already-in-progress' || busy) return { status: 400, code: 'ActiveRequestAlreadyExists', message: 'Action is already in progress' };
  return undefined;
}
