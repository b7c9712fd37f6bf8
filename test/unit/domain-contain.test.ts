import type { DeviceSighting } from '../../src/domain/containment-ports';
import { advanceJob } from '../../src/domain/contain-steps';
import { claimJob, createJob, findJob, releaseJob } from '../../src/domain/contain-jobs';
import { countDevices, discoverDevices, newJob, planFor, type ContainDeps, type ContainJob } from '../../src/domain/containment';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';
import { delegationOf, domainKit } from '../fixtures/domain-kit';
import { ScriptedContainment } from '../fakes/scripted-containment';

const ANA = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 't1' };
const RILEY = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 't1' };
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = 'a'.repeat(64);
const DEVICES = [
  { id: 'm1', name: 'FIN-LT-001', lastSeen: '2025-02-28T10:00:00Z', osPlatform: 'Windows11' },
  { id: 'm2', name: 'FIN-LT-002', lastSeen: '2025-02-27T10:00:00Z', osPlatform: 'Windows10' },
  { id: 'm3', name: 'LNX-SRV-003', lastSeen: '2025-02-26T10:00:00Z', osPlatform: 'Linux' },
];

function setUp() {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-riley': [DirectoryRole.SecurityReader] } });
  const containment = new ScriptedContainment();
  const deps: ContainDeps = {
    roles: kit.roles,
    containment,
    audit: kit.audit,
    store: kit.store,
    now: kit.clock.now,
    api: 'indicators',
    settings: { confirmAbove: 25, pollMs: 30_000, watchMs: 60 * 60_000 },
  };
  const job = (devices: readonly DeviceSighting[] = DEVICES): ContainJob =>
    newJob({ id: 'job-1', hash: { value: SHA1, type: 'Sha1' }, sha1: SHA1, comment: 'dropper', caller: ANA, devices }, kit.clock.now(), deps.settings);
  return { kit, containment, deps, job };
}

const contains = async (kit: ReturnType<typeof setUp>['kit']) =>
  (await kit.audit.recent({ limit: 100 })).filter((e) => e.action === 'contain').map((e) => `${e.outcome} ${e.detail}`);

describe('finding the devices before containment', () => {
  it("resolves a SHA-256 to its SHA-1 first, then lists the devices, each call with the analyst's token", async () => {
    const { containment, deps } = setUp();
    containment.seed(SHA1, DEVICES, SHA256);
    const found = await discoverDevices(deps, { value: SHA256, type: 'Sha256' }, ANA, delegationOf(ANA));
    expect(found).toEqual({ kind: 'devices', sha1: SHA1, devices: DEVICES });
    expect(containment.calls).toEqual([
      { method: 'resolveSha1', hash: SHA256, token: 'token-of-oid-ana' },
      { method: 'devicesWithFile', sha1: SHA1, token: 'token-of-oid-ana' },
    ]);
  });

  it('refuses a caller without the role before Defender is asked anything, and audits the denial', async () => {
    const { kit, containment, deps } = setUp();
    const found = await discoverDevices(deps, { value: SHA1, type: 'Sha1' }, RILEY, delegationOf(RILEY));
    expect(found.kind).toBe('denied');
    expect(containment.calls).toEqual([]);
    expect(await contains(kit)).toEqual(['denied caller lacks the directory role']);
  });

  it('says plainly when Defender does not know the file, and audits that nothing was done', async () => {
    const { kit, deps } = setUp();
    expect(await discoverDevices(deps, { value: SHA256, type: 'Sha256' }, ANA, delegationOf(ANA))).toEqual({ kind: 'unknownFile' });
    expect(await contains(kit)).toEqual(['not-found Defender does not know the file']);
  });

  it.each([
    [0, 'nothing'],
    [3, 'go'],
    [25, 'go'],
    [26, 'confirm'],
    [1000, 'confirm'],
    [1001, 'tooMany'],
  ])('%i devices: %s', (devices, plan) => {
    expect(planFor(devices, 25).kind).toBe(plan);
  });
});

describe('driving a containment job', () => {
  it('sends one stop & quarantine per device with the SHA-1 and comment, counts "already in progress" as pending and lists refusals per device', async () => {
    const { kit, containment, deps, job } = setUp();
    containment.answer('m2', { kind: 'already-in-progress', detail: 'Action is already in progress' });
    containment.answer('m3', { kind: 'refused', reason: 'unsupported-platform', detail: 'OsPlatformNotSupported', code: 'OsPlatformNotSupported' });
    const sent = await advanceJob(deps, job(), delegationOf(ANA));
    expect(containment.callsOf('stopAndQuarantine')).toEqual(
      ['m1', 'm2', 'm3'].map((machineId) => ({ method: 'stopAndQuarantine', machineId, sha1: SHA1, comment: 'dropper', token: 'token-of-oid-ana' })),
    );
    expect(sent.phase).toBe('tracking');
    expect(sent.nextAt).toBe(kit.clock.at(30_000));
    expect(sent.devices.map((d) => [d.machineId, d.state, d.reason])).toEqual([
      ['m1', 'Pending', undefined],
      ['m2', 'Pending', undefined],
      ['m3', 'refused', 'unsupported-platform'],
    ]);
    expect(countDevices(sent.devices)).toEqual({ total: 3, succeeded: 0, open: 2, failed: 0, refused: 1, unknown: 0 });
    expect(await contains(kit)).toEqual([
      'failed LNX-SRV-003: refused (unsupported-platform): OsPlatformNotSupported',
      'requested FIN-LT-002: an earlier stop & quarantine is still in progress there',
      'requested FIN-LT-001: stop & quarantine Pending',
    ]);

    containment.setStatus('m1', 'InProgress');
    kit.clock.advance(30_000);
    const polled = await advanceJob(deps, sent, delegationOf(ANA));
    expect(polled.devices[0].state).toBe('InProgress');
    expect(polled.phase).toBe('tracking');
    expect(Date.parse(polled.nextAt) - kit.clock.now().getTime()).toBe(45_000);

    containment.setStatus('m1', 'Succeeded');
    kit.clock.advance(45_000);
    const done = await advanceJob(deps, polled, delegationOf(ANA));
    expect(done.phase).toBe('finished');
    expect(containment.callsOf('machineAction').map((c) => [c.actionId, c.token])).toEqual([
      ['action-1', 'token-of-oid-ana'],
      ['action-1', 'token-of-oid-ana'],
    ]);
    expect((await contains(kit))[0]).toBe('done FIN-LT-001: stop & quarantine Succeeded');
  });

  it('stops sending at a 429 until Retry-After, then sends only the devices not sent yet', async () => {
    const { kit, containment, deps, job } = setUp();
    containment.answer('m2', new DefenderError('rateLimited', 'Too many requests', { httpStatus: 429, retryAfterSeconds: 7 }));
    const first = await advanceJob(deps, job(), delegationOf(ANA));
    expect(first.phase).toBe('sending');
    expect(first.nextAt).toBe(kit.clock.at(7_000));
    expect(first.devices.map((d) => d.state)).toEqual(['Pending', 'queued', 'queued']);
    kit.clock.advance(7_000);
    const second = await advanceJob(deps, first, delegationOf(ANA));
    expect(second.devices.map((d) => d.state)).toEqual(['Pending', 'Pending', 'Pending']);
    expect(containment.callsOf('stopAndQuarantine').map((c) => c.machineId)).toEqual(['m1', 'm2', 'm2', 'm3']);
    expect(new Set(second.devices.map((d) => d.actionId)).size).toBe(3);
  });

  it('says an action whose answer was lost is unknown, not failed', async () => {
    const { containment, deps, job } = setUp();
    containment.answer('m1', new DefenderError('outcomeUnknown', 'connection reset after sending'));
    const sent = await advanceJob(deps, job(DEVICES.slice(0, 1)), delegationOf(ANA));
    expect(sent.devices[0]).toMatchObject({ state: 'unknown' });
    expect(sent.phase).toBe('finished');
  });

  it('ends tracking when the watch is over, saying which actions were still open', async () => {
    const { kit, containment, deps, job } = setUp();
    const sent = await advanceJob(deps, job(DEVICES.slice(0, 2)), delegationOf(ANA));
    containment.setStatus('m1', 'Succeeded');
    kit.clock.advance(60 * 60_000);
    const ended = await advanceJob(deps, sent, delegationOf(ANA));
    expect(ended).toMatchObject({ phase: 'finished', watchEnded: true });
    expect(ended.devices.map((d) => d.state)).toEqual(['Succeeded', 'Pending']);
  });

  it("keeps what was sent and pauses when the analyst's token fails (nothing is sent twice)", async () => {
    const { containment, deps, job } = setUp();
    let calls = 0;
    const delegation = {
      graph: async () => 'g',
      defender: async () => {
        if (++calls > 1) throw new TokenError('invalidGrant', 'signed out');
        return 'token-of-oid-ana';
      },
    };
    const paused = await advanceJob(deps, job(), delegation);
    expect(paused.paused).toBe('signInFailed');
    expect(paused.devices.map((d) => d.state)).toEqual(['Pending', 'queued', 'queued']);
    expect(containment.callsOf('stopAndQuarantine').map((c) => c.machineId)).toEqual(['m1']);
  });
});

describe('the job lease', () => {
  it('lets exactly one of two instances hold a due job, and the other only after the lease runs out', async () => {
    const { kit, deps, job } = setUp();
    expect(await createJob(kit.store, job(), kit.clock.now())).toBe(true);
    expect(await createJob(kit.store, job(), kit.clock.now())).toBe(false);
    const [a, b] = await Promise.all([claimJob(kit.store, 'job-1', 'A', kit.clock.now(), 60_000), claimJob(kit.store, 'job-1', 'B', kit.clock.now(), 60_000)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const holder = a ? 'A' : 'B';
    const other = a ? 'B' : 'A';
    expect(await claimJob(kit.store, 'job-1', other, kit.clock.now(), 60_000)).toBeUndefined();
    kit.clock.advance(60_000);
    const stolen = await claimJob(kit.store, 'job-1', other, kit.clock.now(), 60_000);
    expect(stolen?.value.lease?.owner).toBe(other);
    const late = a ?? b;
    expect(await releaseJob(kit.store, late!, { ...late!.value, polls: 99 }, kit.clock.now())).toBe(false);
    expect((await findJob(kit.store, 'job-1'))?.value.lease?.owner).toBe(other);
    expect(holder).not.toBe(other);
    void deps;
  });

  it('is not claimed before it is due, nor once finished', async () => {
    const { kit, job } = setUp();
    await createJob(kit.store, { ...job(), nextAt: kit.clock.at(10_000) }, kit.clock.now());
    expect(await claimJob(kit.store, 'job-1', 'A', kit.clock.now(), 60_000)).toBeUndefined();
    kit.clock.advance(10_000);
    const claimed = await claimJob(kit.store, 'job-1', 'A', kit.clock.now(), 60_000);
    expect(await releaseJob(kit.store, claimed!, { ...claimed!.value, phase: 'finished' }, kit.clock.now())).toBe(true);
    expect(await claimJob(kit.store, 'job-1', 'A', kit.clock.now(), 60_000)).toBeUndefined();
  });
});

describe('sending to many devices', () => {
  it('sends at most 25 devices per step, so a step stays within its lease, and is due again at once for the rest', async () => {
    const { kit, containment, deps, job } = setUp();
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `d${i}`, name: `PC-${i}` }));
    const first = await advanceJob(deps, job(many), delegationOf(ANA));
    expect(containment.callsOf('stopAndQuarantine')).toHaveLength(25);
    expect(first).toMatchObject({ phase: 'sending', nextAt: kit.clock.at(0) });
    const second = await advanceJob(deps, first, delegationOf(ANA));
    expect(containment.callsOf('stopAndQuarantine').map((c) => c.machineId)).toEqual(many.map((d) => d.id));
    expect(second.phase).toBe('tracking');
  });
});

describe('the role, checked again before each sending step', () => {
  it('sends nothing more to any device once the analyst no longer holds the role, and says so per device', async () => {
    const { kit, containment, deps, job } = setUp();
    let holds = true;
    const graphTokens: string[] = [];
    const roles: ContainDeps['roles'] = {
      rolesOf: async (_caller, delegation) => {
        graphTokens.push(await delegation.graph());
        return { ok: true, roles: new Set(holds ? [DirectoryRole.SecurityAdministrator] : [DirectoryRole.SecurityReader]) };
      },
    };
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `d${i}`, name: `PC-${i}` }));
    const first = await advanceJob({ ...deps, roles }, job(many), delegationOf(ANA));
    expect(containment.callsOf('stopAndQuarantine')).toHaveLength(25);
    holds = false;
    kit.clock.advance(60_000);
    const second = await advanceJob({ ...deps, roles }, first, delegationOf(ANA));
    expect(containment.callsOf('stopAndQuarantine')).toHaveLength(25);
    expect(graphTokens).toEqual(['graph-token-of-oid-ana', 'graph-token-of-oid-ana']);
    expect(second.devices.filter((d) => d.state === 'queued')).toEqual([]);
    expect(second.devices.slice(25).map((d) => d.state)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(second.devices[29].detail).toMatch(/no longer holds/);
  });
});

describe('a slow step', () => {
  it('stops sending once it has run for a minute (throttled calls wait in the client) and is due again at once', async () => {
    const { kit, deps, job } = setUp();
    const slow = new ScriptedContainment();
    const original = slow.stopAndQuarantine.bind(slow);
    slow.stopAndQuarantine = async (...args) => {
      kit.clock.advance(40_000);
      return original(...args);
    };
    const next = await advanceJob({ ...deps, containment: slow }, job(), delegationOf(ANA));
    expect(slow.callsOf('stopAndQuarantine').map((c) => c.machineId)).toEqual(['m1', 'm2']);
    expect(next).toMatchObject({ phase: 'sending', nextAt: kit.clock.at(80_000) });
    expect(next.devices.map((d) => d.state)).toEqual(['Pending', 'Pending', 'queued']);
  });
});

describe('a slow poll', () => {
  it('stops polling once it has run for a minute, so it ends within its lease, and the next poll starts with the devices not asked yet', async () => {
    const { kit, containment, deps, job } = setUp();
    const tracking = await advanceJob(deps, job(), delegationOf(ANA));
    expect(tracking.phase).toBe('tracking');
    const ids = tracking.devices.map((d) => d.actionId);
    const original = containment.machineAction.bind(containment);
    containment.machineAction = async (...args) => {
      kit.clock.advance(40_000);
      return original(...args);
    };
    kit.clock.advance(30_000);
    const first = await advanceJob(deps, tracking, delegationOf(ANA));
    expect(containment.callsOf('machineAction').map((c) => c.actionId)).toEqual([ids[0], ids[1]]);
    expect(first).toMatchObject({ phase: 'tracking', nextAt: kit.clock.at(30_000 + 80_000) });
    const second = await advanceJob(deps, first, delegationOf(ANA));
    expect(
      containment
        .callsOf('machineAction')
        .map((c) => c.actionId)
        .slice(2, 3),
    ).toEqual([ids[2]]);
    expect(second.phase).toBe('tracking');
  });
});
