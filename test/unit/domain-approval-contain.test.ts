import { requestApproval } from '../../src/domain/approval-requests';
import type { ApprovalAsk } from '../../src/domain/approval-actions';
import type { ApprovalDeps } from '../../src/domain/approval-record';
import { decide } from '../../src/domain/approvals';
import type { Caller } from '../../src/domain/caller';
import { DirectoryRole } from '../../src/domain/roles';
import { delegationOf, domainKit } from '../fixtures/domain-kit';
import { ScriptedContainment } from '../fakes/scripted-containment';

const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };
const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester', tenantId: 'tenant-a' };
const bob: Caller = { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver', tenantId: 'tenant-a' };
const DEVICES = [
  { id: 'm1', name: 'FIN-1' },
  { id: 'm2', name: 'FIN-2' },
];

function setUp(withContainment = true) {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityReader], 'oid-bob': [DirectoryRole.SecurityAdministrator] } });
  const containment = new ScriptedContainment();
  containment.seed(HASH.value, DEVICES);
  const contain = {
    roles: kit.roles,
    containment,
    audit: kit.audit,
    store: kit.store,
    now: kit.clock.now,
    api: 'indicators' as const,
    settings: { confirmAbove: 1, pollMs: 1000, watchMs: 60_000 },
  };
  const deps: ApprovalDeps = { ...kit.actions, store: kit.store, requestTtlMs: 60_000, ...(withContainment ? { contain } : {}) };
  const approve = async (ask: ApprovalAsk) => {
    const asked = await requestApproval(deps, { id: 'r1', hash: HASH, comment: 'worm', ask, requester: ana }, delegationOf(ana));
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    return decide(deps, 'r1', bob, delegationOf(bob), { kind: 'approve' });
  };
  return { kit, containment, approve };
}

describe('approving a stop & quarantine', () => {
  it("block + contain: one approval blocks and finds the devices, both with the approver's token (the approval is the confirmation, whatever the threshold)", async () => {
    const { kit, containment, approve } = setUp();
    const outcome = await approve({ action: 'block+contain' });
    expect(outcome).toMatchObject({
      kind: 'decided',
      request: { status: 'approved', note: expect.stringContaining('2 devices') },
      containment: { sha1: HASH.value, devices: DEVICES },
    });
    expect(kit.defender.calls.filter((c) => c.method === 'block').map((c) => c.token)).toEqual(['token-of-oid-bob']);
    expect(containment.calls.map((c) => c.token)).toEqual(['token-of-oid-bob', 'token-of-oid-bob']);
    expect(containment.callsOf('stopAndQuarantine')).toEqual([]);
  });

  it('contain alone without device actions fails with a reason and nothing is sent', async () => {
    const { kit, approve } = setUp(false);
    const outcome = await approve({ action: 'contain' });
    expect(outcome).toMatchObject({ kind: 'decided', request: { status: 'failed', failure: { detail: 'This bot cannot stop & quarantine files.' } } });
    expect(outcome).not.toHaveProperty('containment');
    expect(kit.defender.calls.filter((c) => c.method === 'block')).toEqual([]);
  });
});
