import { createJob } from '../../src/domain/contain-jobs';
import { newJob } from '../../src/domain/containment';
import type { FileStatus } from '../../src/domain/file-status';
import { checkBack, claimFollowUp, dueFollowUps, finishFollowUp, scheduleFollowUp, type FollowUp, type FollowUpDeps } from '../../src/domain/follow-up';
import { DefenderError } from '../../src/errors';
import { delegationOf, domainKit } from '../fixtures/domain-kit';
import { ScriptedContainment } from '../fakes/scripted-containment';

const ANA = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 't1' };
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const HASH = { value: SHA1, type: 'Sha1' as const };
const BLOCK: FileStatus = { fileIdentifier: SHA1, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked', confirmed: true, source: 'indicators', indicatorId: '7' };

function setUp() {
  const kit = domainKit({ held: {} });
  const containment = new ScriptedContainment();
  const deps: FollowUpDeps = { defender: kit.defender, containment, audit: kit.audit, store: kit.store, now: kit.clock.now };
  const followUp: FollowUp = { id: 'f1', dueAt: kit.clock.at(0), hash: HASH, tenantId: 't1', blockedBy: ANA, blockedAt: kit.clock.at(0), comment: 'dropper', where: {} };
  return { kit, containment, deps, followUp };
}

describe('checking a block again', () => {
  it('says the block is in force, lists devices seen since the block (not before), and which of them no containment covered', async () => {
    const { kit, containment, deps, followUp } = setUp();
    kit.defender.script('currentBlock', BLOCK);
    containment.seed(SHA1, [
      { id: 'old', name: 'OLD-1', lastSeen: '2025-02-01T00:00:00Z' },
      { id: 'm1', name: 'NEW-1', lastSeen: kit.clock.at(60_000) },
      { id: 'm2', name: 'NEW-2', lastSeen: kit.clock.at(120_000) },
    ]);
    const job = newJob({ id: 'j', hash: HASH, sha1: SHA1, comment: 'c', caller: ANA, devices: [{ id: 'm1' }] }, kit.clock.now(), {
      confirmAbove: 25,
      pollMs: 1000,
      watchMs: 60_000,
    });
    await createJob(kit.store, { ...job, phase: 'finished', devices: [{ ...job.devices[0], state: 'Succeeded' }] }, kit.clock.now());
    kit.clock.advance(2 * 60 * 60_000);
    const found = await checkBack(deps, followUp, delegationOf(ANA));
    expect(found).toMatchObject({ kind: 'report', block: { kind: 'inForce' } });
    if (found.kind !== 'report') throw new Error('no report');
    expect(found.seenSince?.map((d) => d.id)).toEqual(['m1', 'm2']);
    expect(found.remaining?.map((d) => d.id)).toEqual(['m2']);
    expect(containment.calls.map((c) => c.token)).toEqual(['token-of-oid-ana', 'token-of-oid-ana']);
    const [audited] = await kit.audit.recent({ limit: 5 });
    expect(audited).toMatchObject({ action: 'follow-up', outcome: 'done', detail: 'block still in force; seen on 2 devices since the block' });
  });

  it("never reports another tenant's stop & quarantine of the same file, nor counts its devices as covered", async () => {
    const { kit, containment, deps, followUp } = setUp();
    kit.defender.script('currentBlock', BLOCK);
    containment.seed(SHA1, [{ id: 'm1', name: 'NEW-1', lastSeen: kit.clock.at(60_000) }]);
    const EVE = { userId: '29:eve', aadObjectId: 'oid-eve', name: 'Eve Elsewhere', tenantId: 't2' };
    const foreign = newJob({ id: 'other-tenant', hash: HASH, sha1: SHA1, comment: 'theirs', caller: EVE, devices: [{ id: 'm1' }] }, kit.clock.now(), {
      confirmAbove: 25,
      pollMs: 1000,
      watchMs: 60_000,
    });
    await createJob(kit.store, { ...foreign, phase: 'finished', devices: [{ ...foreign.devices[0], state: 'Succeeded' }] }, kit.clock.now());
    kit.clock.advance(2 * 60 * 60_000);
    const found = await checkBack(deps, followUp, delegationOf(ANA));
    if (found.kind !== 'report') throw new Error('no report');
    expect(found.jobs.map((j) => j.id)).toEqual([]);
    expect(found.remaining?.map((d) => d.id)).toEqual(['m1']);
  });

  it('names who lifted the block from the audit trail, and says "outside the bot" when nobody there did', async () => {
    const { kit, deps, followUp } = setUp();
    kit.clock.advance(1000);
    await kit.audit.record({ tenantId: 't1', actor: { name: 'Gale Global', userId: '29:gale' }, action: 'unblock', outcome: 'done', hash: SHA1, api: 'indicators' });
    expect(await checkBack(deps, followUp, delegationOf(ANA))).toMatchObject({ block: { kind: 'lifted', by: 'Gale Global', how: 'unblock' } });
    const other = setUp();
    expect(await checkBack(other.deps, other.followUp, delegationOf(ANA))).toMatchObject({ block: { kind: 'lifted', how: 'portal' } });
  });

  it('says the block expired once its expiry passed', async () => {
    const { kit, deps, followUp } = setUp();
    kit.clock.advance(10_000);
    expect(await checkBack(deps, { ...followUp, expiresAt: kit.clock.at(5_000) }, delegationOf(ANA))).toMatchObject({ block: { kind: 'expired', at: kit.clock.at(5_000) } });
  });

  it('finds nothing to post for a block that was undone, and says unknown when Defender cannot be asked', async () => {
    const { kit, deps, followUp } = setUp();
    kit.clock.advance(1000);
    await kit.audit.record({ tenantId: 't1', actor: { name: 'Ana Analyst', userId: '29:ana' }, action: 'undo', outcome: 'done', hash: SHA1, api: 'indicators' });
    expect(await checkBack(deps, followUp, delegationOf(ANA))).toMatchObject({ kind: 'undone', by: 'Ana Analyst' });
    const other = setUp();
    other.kit.defender.script('currentBlock', new DefenderError('unavailable', 'Defender is down'));
    expect(await checkBack(other.deps, other.followUp, delegationOf(ANA))).toMatchObject({ block: { kind: 'unknown', detail: 'Defender is down' } });
  });
});

describe('the due follow-ups', () => {
  it('are listed only once due, claimed by exactly one of two instances, and gone once finished', async () => {
    const { kit, followUp } = setUp();
    await scheduleFollowUp(kit.store, { ...followUp, dueAt: kit.clock.at(60_000) }, kit.clock.now());
    expect(await dueFollowUps(kit.store, kit.clock.now())).toEqual([]);
    kit.clock.advance(60_000);
    const [due] = await dueFollowUps(kit.store, kit.clock.now());
    const claims = await Promise.all([claimFollowUp(kit.store, due, 'A', kit.clock.now()), claimFollowUp(kit.store, due, 'B', kit.clock.now())]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(await dueFollowUps(kit.store, kit.clock.now())).toEqual([]);
    await finishFollowUp(kit.store, won[0]);
    kit.clock.advance(60 * 60_000);
    expect(await dueFollowUps(kit.store, kit.clock.now())).toEqual([]);
  });

  it('are read from the due part of the store only: a thousand follow-ups still to come are never read by a sweep', async () => {
    const { kit, followUp } = setUp();
    for (let i = 0; i < 1000; i++) await scheduleFollowUp(kit.store, { ...followUp, id: `later-${i}`, dueAt: kit.clock.at(3_600_000 + i) }, kit.clock.now());
    await scheduleFollowUp(kit.store, { ...followUp, id: 'now', dueAt: kit.clock.at(1_000) }, kit.clock.now());
    kit.clock.advance(1_000);
    const read: string[] = [];
    const list = kit.store.list.bind(kit.store);
    const counting = Object.assign(Object.create(kit.store) as typeof kit.store, {
      list: async <T>(prefix: string, options?: { readonly before?: string }) => {
        const found = await list<T>(prefix, options);
        read.push(...found.map((entry) => entry.key));
        return found;
      },
    });
    expect((await dueFollowUps(counting, kit.clock.now())).map((entry) => entry.value.id)).toEqual(['now']);
    expect(read).toHaveLength(1);
  });
});
