import { blockFile, type ActionDeps, type Concern } from '../../src/domain/block-file';
import { resolveOptions } from '../../src/domain/resolve-options';
import type { BlockOptions } from '../../src/domain/block-options';
import type { Caller } from '../../src/domain/caller';
import type { FileHash } from '../../src/domain/file-hash';
import type { FileInfo, FileStats } from '../../src/domain/file-report';
import type { FileStatus } from '../../src/domain/file-status';
import type { Delegation, RoleDirectory } from '../../src/domain/ports';
import { BLOCKING_ROLES, DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';
import type { ScriptedDefenderOptions } from '../fakes/scripted-defender';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const SHA1: FileHash = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' };
const SHA256: FileHash = { value: 'ab'.repeat(32), type: 'Sha256' };
const THRESHOLD = 100;

const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 'tenant-a' };
const riley: Caller = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 'tenant-a' };

const existing: FileStatus = {
  fileIdentifier: SHA1.value,
  fileIdentifierType: 'Sha1',
  actionType: 'Audit',
  fileStatus: 'Audited',
  requestor: 'Someone Else',
  confirmed: true,
  source: 'indicators',
  indicatorId: 'ind-7',
};

function setUp(options: ScriptedDefenderOptions = { kind: 'indicators' }) {
  const { defender, roles, audit, actions } = domainKit({
    held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-riley': [DirectoryRole.SecurityReader] },
    defender: options,
    widespreadThreshold: THRESHOLD,
  });
  const deps: ActionDeps = actions;
  return {
    deps,
    defender,
    roles,
    audit,
    block: (input: { hash?: FileHash; caller?: Caller; options?: BlockOptions; acknowledged?: Concern['kind'][]; delegation?: Delegation } = {}) => {
      const caller = input.caller ?? ana;
      const request = { hash: input.hash ?? SHA1, comment: 'dropper', caller, options: input.options };
      return blockFile(deps, request, input.delegation ?? delegationOf(caller), input.acknowledged);
    },
    details: (info?: FileInfo, stats?: FileStats) => defender.script('fileDetails', { info, stats }),
    audited: async () => (await audit.all({})).map((e) => [e.action, e.outcome, e.detail, e.correlationId]),
  };
}

describe('blockFile: concerns before blocking', () => {
  it('asks to confirm overwriting a block already in force, sending no block and auditing nothing yet', async () => {
    const { block, defender, audit } = setUp();
    defender.script('currentBlock', existing);
    expect(await block()).toEqual({ kind: 'needsConfirmation', concerns: [{ kind: 'existingBlock', status: existing }], notes: [] });
    expect(defender.tokens()).toEqual([
      ['currentBlock', 'token-of-oid-ana'],
      ['fileDetails', 'token-of-oid-ana'],
    ]);
    expect(await audit.all({})).toEqual([]);
  });

  it.each<[string, FileInfo, string]>([
    ['the signer', { signer: 'Microsoft Windows', isValidCertificate: true }, 'Microsoft Windows'],
    ['the publisher when no signer is known', { filePublisher: 'MICROSOFT CORPORATION' }, 'MICROSOFT CORPORATION'],
  ])('asks to confirm a Microsoft-signed file, read from %s', async (_from, info, signer) => {
    const { block, defender, details } = setUp();
    details(info);
    expect(await block()).toEqual({ kind: 'needsConfirmation', concerns: [{ kind: 'microsoftSigned', signer }], notes: [] });
    expect(defender.callsOf('block')).toEqual([]);
  });

  it('does not count a Microsoft name on an invalid certificate as Microsoft-signed', async () => {
    const { block, details } = setUp();
    details({ signer: 'Microsoft Corporation', isValidCertificate: false });
    expect(await block()).toMatchObject({ kind: 'blocked', notes: [] });
  });

  it(`asks to confirm a file on ${THRESHOLD} or more devices, and not one on fewer`, async () => {
    const wide = setUp();
    wide.details(undefined, { orgPrevalence: THRESHOLD });
    expect(await wide.block()).toEqual({ kind: 'needsConfirmation', concerns: [{ kind: 'widespread', orgPrevalence: THRESHOLD, threshold: THRESHOLD }], notes: [] });
    expect(wide.defender.callsOf('block')).toEqual([]);

    const rare = setUp();
    rare.details(undefined, { orgPrevalence: THRESHOLD - 1 });
    expect(await rare.block()).toMatchObject({ kind: 'blocked' });
    expect(rare.defender.callsOf('block')).toHaveLength(1);
  });

  it('lists every concern at once, and only those not yet acknowledged', async () => {
    const { block, defender, details } = setUp();
    const everything = () => {
      defender.script('currentBlock', existing);
      details({ signer: 'Microsoft Corporation' }, { orgPrevalence: 5000 });
    };
    everything();
    expect(await block()).toEqual({
      kind: 'needsConfirmation',
      concerns: [
        { kind: 'existingBlock', status: existing },
        { kind: 'microsoftSigned', signer: 'Microsoft Corporation' },
        { kind: 'widespread', orgPrevalence: 5000, threshold: THRESHOLD },
      ],
      notes: [],
    });
    everything();
    expect(await block({ acknowledged: ['existingBlock', 'widespread'] })).toEqual({
      kind: 'needsConfirmation',
      concerns: [{ kind: 'microsoftSigned', signer: 'Microsoft Corporation' }],
      notes: [],
    });
    expect(defender.callsOf('block')).toEqual([]);
  });

  it("blocks once every concern is acknowledged, with the caller's token, and audits it", async () => {
    const { block, defender, details, audited } = setUp();
    const blocked: FileStatus = { ...existing, actionType: 'Block', fileStatus: 'Blocked', requestor: 'Ana Analyst', indicatorId: 'ind-8' };
    defender.script('currentBlock', existing).script('block', blocked);
    details({ signer: 'Microsoft Corporation' }, { orgPrevalence: 5000 });
    const options: BlockOptions = { action: 'Block', severity: 'High' };

    const outcome = await block({ options, acknowledged: ['existingBlock', 'microsoftSigned', 'widespread'] });

    expect(outcome).toEqual({ kind: 'blocked', status: blocked, optionsIgnored: false, notes: [], afterwards: [], orgPrevalence: 5000 });
    expect(defender.tokens()).toEqual([
      ['currentBlock', 'token-of-oid-ana'],
      ['fileDetails', 'token-of-oid-ana'],
      ['block', 'token-of-oid-ana'],
    ]);
    expect(defender.callsOf('block')[0].request).toEqual({ hash: SHA1, comment: 'dropper', caller: ana, options });
    expect(await audited()).toEqual([
      ['block', 'requested', undefined, undefined],
      ['block', 'done', undefined, 'ind-8'],
    ]);
  });
});

describe('blockFile: when the lookups fail', () => {
  const unavailable = () => new DefenderError('unavailable', 'Defender is busy', { httpStatus: 503 });
  const ALREADY = 'The bot could not check whether the file was already blocked.';
  const SPREAD = 'The bot could not check how widespread the file is or who signed it.';

  it('asks before blocking when neither check could be made, sending nothing, and says which checks failed', async () => {
    const { block, defender, audited } = setUp();
    defender.script('currentBlock', unavailable()).script('fileDetails', unavailable());
    expect(await block()).toEqual({
      kind: 'needsConfirmation',
      concerns: [
        { kind: 'existingUnchecked', reason: 'Defender is busy' },
        { kind: 'detailsUnchecked', reason: 'Defender is busy' },
      ],
      notes: [],
    });
    expect(defender.callsOf('block')).toEqual([]);
    expect(await audited()).toEqual([]);
  });

  it('blocks once the failed checks are acknowledged, and the result says which checks could not be made', async () => {
    const { block, defender, audited } = setUp();
    defender.script('currentBlock', unavailable()).script('fileDetails', unavailable());
    expect(await block({ acknowledged: ['existingUnchecked', 'detailsUnchecked'] })).toEqual({
      kind: 'blocked',
      status: expect.objectContaining({ fileStatus: 'Blocked' }),
      optionsIgnored: false,
      notes: [ALREADY, SPREAD],
      afterwards: [],
    });
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-ana']);
    expect(await audited()).toEqual([
      ['block', 'requested', undefined, undefined],
      ['block', 'done', undefined, undefined],
    ]);
  });

  it('asks again when a check that was fine at the first press fails at the second', async () => {
    const { block, defender } = setUp();
    defender.script('currentBlock', unavailable()).script('currentBlock', unavailable()).script('fileDetails', {}).script('fileDetails', unavailable());
    expect(await block()).toEqual({ kind: 'needsConfirmation', concerns: [{ kind: 'existingUnchecked', reason: 'Defender is busy' }], notes: [] });
    expect(await block({ acknowledged: ['existingUnchecked'] })).toEqual({
      kind: 'needsConfirmation',
      concerns: [{ kind: 'detailsUnchecked', reason: 'Defender is busy' }],
      notes: [ALREADY],
    });
    expect(defender.callsOf('block')).toEqual([]);
  });

  it('still asks about what the lookup that worked found, together with the one that failed', async () => {
    const { block, defender } = setUp();
    defender.script('currentBlock', existing).script('fileDetails', unavailable());
    expect(await block()).toEqual({
      kind: 'needsConfirmation',
      concerns: [
        { kind: 'existingBlock', status: existing },
        { kind: 'detailsUnchecked', reason: 'Defender is busy' },
      ],
      notes: [],
    });
    defender.script('currentBlock', unavailable()).script('fileDetails', { stats: { orgPrevalence: 500 } });
    expect(await block({ acknowledged: ['widespread', 'existingUnchecked'] })).toMatchObject({ kind: 'blocked', notes: [ALREADY] });
    expect(defender.callsOf('block')).toHaveLength(1);
  });

  it('for an allow, asks only about the existing-indicator check (signer and prevalence do not matter to an allow)', async () => {
    const { block, defender } = setUp();
    defender.script('currentBlock', unavailable()).script('fileDetails', unavailable());
    expect(await block({ options: { action: 'Allowed' } })).toEqual({
      kind: 'needsConfirmation',
      concerns: [{ kind: 'allowed' }, { kind: 'existingUnchecked', reason: 'Defender is busy' }],
      notes: [],
    });
  });

  it('gives up with tokenFailed when no Defender token can be had, having sent nothing', async () => {
    const { block, defender, audited } = setUp();
    const noToken = new TokenError('interactionRequired', 'sign in again');
    const delegation: Delegation = { graph: delegationOf(ana).graph, defender: async () => Promise.reject(noToken) };
    expect(await block({ delegation })).toEqual({ kind: 'tokenFailed', error: noToken });
    expect(defender.calls).toEqual([]);
    expect(await audited()).toEqual([['block', 'failed', 'token: interactionRequired', undefined]]);
  });
});

describe('blockFile: refusals', () => {
  it('refuses a caller without a blocking role after a live lookup with their token, sending nothing, and audits the denial', async () => {
    const { block, defender, roles, audit } = setUp();
    expect(await block({ caller: riley })).toEqual({ kind: 'denied', heldRoles: [DirectoryRole.SecurityReader], neededRoles: BLOCKING_ROLES });
    expect(roles.lookups).toEqual(['graph-token-of-oid-riley']);
    expect(defender.calls).toEqual([]);
    expect(await audit.all({})).toEqual([
      expect.objectContaining({
        action: 'block',
        outcome: 'denied',
        actor: { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader' },
        detail: 'caller lacks the directory role',
        hash: SHA1.value,
      }),
    ]);
  });

  it('fails closed when the roles cannot be read', async () => {
    const { deps, defender, audit } = setUp();
    const unreadable: RoleDirectory = { rolesOf: async () => ({ ok: false, detail: 'Graph answered 503' }) };
    const outcome = await blockFile({ ...deps, roles: unreadable }, { hash: SHA1, comment: 'x', caller: ana }, delegationOf(ana));
    expect(outcome).toEqual({ kind: 'rolesUnavailable', detail: 'Graph answered 503' });
    expect(defender.calls).toEqual([]);
    expect((await audit.all({})).map((e) => [e.outcome, e.detail])).toEqual([['failed', 'roles could not be checked: Graph answered 503']]);
  });

  it.each([SHA256, { value: 'ab'.repeat(16), type: 'Md5' as const }])('has the files API refuse a $type hash without any call to Defender', async (hash) => {
    const { block, defender, audited } = setUp({ kind: 'files' });
    expect(await block({ hash })).toEqual({ kind: 'unsupportedHash', hash, api: 'files', supported: ['Sha1'] });
    expect(defender.calls).toEqual([]);
    expect(await audited()).toEqual([['block', 'failed', `${hash.type} is not supported by the files API`, undefined]]);
  });

  it("reports Defender's refusal of the block with its correlation id", async () => {
    const { block, defender, audited } = setUp();
    const forbidden = new DefenderError('forbidden', 'Missing Ti.ReadWrite', { httpStatus: 403, correlationId: 'corr-1' });
    defender.script('block', forbidden);
    expect(await block()).toEqual({ kind: 'failed', error: forbidden });
    expect(await audited()).toEqual([
      ['block', 'requested', undefined, undefined],
      ['block', 'failed', 'forbidden: Missing Ti.ReadWrite', 'corr-1'],
    ]);
  });

  it("turns anything else Defender's client throws into an unexpected failure that keeps the cause", async () => {
    const { block, defender } = setUp();
    const bug = new TypeError('cannot read properties of undefined');
    defender.script('block', bug);
    const outcome = await block();
    expect(outcome).toMatchObject({ kind: 'failed', error: { reason: 'unexpected', cause: bug } });
    expect(outcome.kind === 'failed' && outcome.error).toBeInstanceOf(DefenderError);
  });
});

describe('blockFile: options', () => {
  it('sends no options to an API that ignores them, and says so unless they ask for a plain block', async () => {
    const { block, defender, audit } = setUp({ kind: 'files' });
    const severe: BlockOptions = { action: 'Block', severity: 'High', deviceGroups: ['Servers'] };
    expect(await block({ options: severe })).toMatchObject({ kind: 'blocked', optionsIgnored: true });
    expect(await block({ options: { action: 'Block' } })).toMatchObject({ kind: 'blocked', optionsIgnored: false });
    expect(await block({ options: { action: 'Block', deviceGroups: [] } })).toMatchObject({ kind: 'blocked', optionsIgnored: false });
    expect(await block({ options: { action: 'Audit' } })).toMatchObject({ kind: 'blocked', optionsIgnored: true });
    expect(defender.callsOf('block').map((c) => c.request.options)).toEqual([undefined, undefined, undefined, undefined]);
    // The audit trail keeps the options as asked for, though the files API did not apply them.
    const outcomes = (await audit.all({})).filter((e) => e.outcome === 'done');
    expect(outcomes.map((e) => e.options)).toEqual([severe, { action: 'Block' }, { action: 'Block', deviceGroups: [] }, { action: 'Audit' }]);
  });

  it('passes options through to an API that honours them', async () => {
    const { block, defender } = setUp({ kind: 'indicators' });
    const options: BlockOptions = { action: 'Warn', expiresAt: '2025-04-01T00:00:00.000Z' };
    expect(await block({ options })).toMatchObject({ kind: 'blocked', optionsIgnored: false, status: { actionType: 'Warn' } });
    expect(defender.callsOf('block')[0].request.options).toEqual(options);
  });
});

describe('blockFile: what is stored with a block', () => {
  it('runs the after-block write alongside the audit write (one commit on local storage) and returns only once both are stored', async () => {
    const { deps, audit } = setUp();
    const events: string[] = [];
    let releaseAudit: () => void = () => undefined;
    const held: ActionDeps = {
      ...deps,
      audit: {
        recent: (query) => audit.recent(query),
        all: (query) => audit.all(query),
        record: async (entry) => {
          if (entry.outcome === 'requested') return audit.record(entry);
          events.push('audit started');
          await new Promise<void>((resolve) => (releaseAudit = resolve));
          const stored = await audit.record(entry);
          events.push('audit stored');
          return stored;
        },
      },
    };
    const outcome = blockFile(held, { hash: SHA1, comment: 'dropper', caller: ana }, delegationOf(ana), [], async (status) => {
      events.push(`offer stored for ${status.fileIdentifier}`);
    });
    while (events.length < 2) await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['audit started', `offer stored for ${SHA1.value}`]);
    releaseAudit();
    expect((await outcome).kind).toBe('blocked');
    expect(events).toEqual(['audit started', `offer stored for ${SHA1.value}`, 'audit stored']);
  });

  it('runs no after-block write when the block was refused', async () => {
    const { deps } = setUp();
    const offered: string[] = [];
    const outcome = await blockFile(deps, { hash: SHA1, comment: 'dropper', caller: riley }, delegationOf(riley), [], async (status) => void offered.push(status.fileIdentifier));
    expect([outcome.kind, offered]).toEqual(['denied', []]);
  });
});

describe('blockFile: once Defender accepted, nothing throws', () => {
  const failingOn = (deps: ActionDeps, outcome: string): ActionDeps => ({
    ...deps,
    audit: {
      recent: (query) => deps.audit.recent(query),
      all: (query) => deps.audit.all(query),
      record: async (entry) => {
        if (entry.outcome === outcome) throw new Error('disk full');
        return deps.audit.record(entry);
      },
    },
  });

  it('records the intent before Defender is called and the outcome after', async () => {
    const { deps, defender, audit } = setUp();
    const seen: string[] = [];
    const watched: ActionDeps = {
      ...deps,
      audit: { ...deps.audit, record: async (entry) => (seen.push(`${entry.outcome} (${defender.callsOf('block').length} sent)`), audit.record(entry)) },
    };
    await blockFile(watched, { hash: SHA1, comment: 'dropper', caller: ana }, delegationOf(ana));
    expect(seen).toEqual(['requested (0 sent)', 'done (1 sent)']);
    expect((await audit.all({})).map((e) => [e.outcome, e.comment])).toEqual([
      ['requested', 'dropper'],
      ['done', 'dropper'],
    ]);
  });

  it('sends no block when its intent cannot be recorded, and answers "not sent" without throwing', async () => {
    const { deps, defender } = setUp();
    const outcome = await blockFile(failingOn(deps, 'requested'), { hash: SHA1, comment: 'dropper', caller: ana }, delegationOf(ana));
    expect(outcome).toMatchObject({ kind: 'failed', error: { reason: 'notSent' } });
    expect(defender.callsOf('block')).toEqual([]);
  });

  it('returns blocked with the problem when the outcome audit write throws', async () => {
    const { deps, defender } = setUp();
    const outcome = await blockFile(failingOn(deps, 'done'), { hash: SHA1, comment: 'dropper', caller: ana }, delegationOf(ana));
    expect(outcome).toMatchObject({ kind: 'blocked', afterwards: [{ kind: 'auditNotWritten', detail: 'disk full' }] });
    expect(defender.callsOf('block')).toHaveLength(1);
  });

  it('returns blocked with the problem when the Undo record write throws', async () => {
    const { deps, audit } = setUp();
    const outcome = await blockFile(deps, { hash: SHA1, comment: 'dropper', caller: ana }, delegationOf(ana), [], async () => {
      throw new Error('store unavailable');
    });
    expect(outcome).toMatchObject({ kind: 'blocked', afterwards: [{ kind: 'undoNotOffered', detail: 'store unavailable' }] });
    expect((await audit.all({})).map((e) => e.outcome)).toEqual(['requested', 'done']);
  });

  it('audits a block whose answer was lost as unknown, not failed', async () => {
    const { block, defender, audited } = setUp();
    const lost = new DefenderError('outcomeUnknown', 'The request was sent, but Defender closed the connection before answering.');
    defender.script('block', lost);
    expect(await block()).toEqual({ kind: 'failed', error: lost });
    expect(await audited()).toEqual([
      ['block', 'requested', undefined, undefined],
      ['block', 'unknown', 'outcomeUnknown: The request was sent, but Defender closed the connection before answering.', undefined],
    ]);
  });
});

describe('blockFile: an expiry typed as days counts from when the block goes out', () => {
  it('a "1d" block confirmed or approved two days later expires a day after it is sent, never before it exists', async () => {
    const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator] } });
    const options = resolveOptions({ expires: { days: 1 } }, kit.clock.now(), 30);
    kit.clock.advance(2 * 86_400_000);
    const sentAt = kit.clock.now().getTime();
    const outcome = await blockFile(kit.actions, { hash: SHA1, comment: 'dropper', caller: ana, options }, delegationOf(ana), ['existingBlock']);
    expect(outcome.kind).toBe('blocked');
    const [sent] = kit.defender.callsOf('block');
    expect(sent.request.options?.expiresAt).toBe(new Date(sentAt + 86_400_000).toISOString());
  });

  it('an expiry given as a date stays that date', async () => {
    const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator] } });
    const options = resolveOptions({ expires: { at: '2031-01-01T00:00:00.000Z' } }, kit.clock.now(), 30);
    kit.clock.advance(2 * 86_400_000);
    await blockFile(kit.actions, { hash: SHA1, comment: 'dropper', caller: ana, options }, delegationOf(ana));
    expect(kit.defender.callsOf('block')[0].request.options?.expiresAt).toBe('2031-01-01T00:00:00.000Z');
  });
});
