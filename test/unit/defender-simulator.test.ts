import type { Caller } from '../../src/domain/caller';
import type { FileHash } from '../../src/domain/file-hash';
import { SimulatedDefender } from '../../src/defender/simulated-defender';
import { DEMO_MICROSOFT_SIGNED_SHA1, DEMO_WIDESPREAD_SHA1 } from '../../src/defender/simulated-file-details';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const ANA: Caller = { userId: '29:1ana', name: 'Ana Analyst' };
const GALE: Caller = { userId: '29:1gale', name: 'Gale Admin' };
const token = async () => 'unused';
const sha1 = (value = SHA1): FileHash => ({ value, type: 'Sha1' });

describe('SimulatedDefender', () => {
  let now: Date;
  let sim: SimulatedDefender;

  beforeEach(() => {
    now = new Date('2025-03-01T10:00:00.000Z');
    sim = new SimulatedDefender(() => now);
  });

  it('keeps the options and reflects action and expiry in the status', async () => {
    const options = { action: 'Audit', expiresAt: '2025-03-02T00:00:00.000Z', severity: 'Low', deviceGroups: ['Lab'] } as const;
    const status = await sim.block({ hash: { value: SHA256, type: 'Sha256' }, comment: 'watch', caller: ANA, options }, token);
    expect(status).toMatchObject({
      fileIdentifier: SHA256,
      fileIdentifierType: 'Sha256',
      actionType: 'Audit',
      fileStatus: 'Audit',
      expirationTime: options.expiresAt,
      requestor: 'Ana Analyst',
    });
    expect(sim.optionsOf(SHA256)).toEqual(options);
    expect(await sim.currentBlock({ value: SHA256, type: 'Sha256' }, token)).toEqual(status);
    now = new Date('2025-03-02T00:00:01.000Z');
    expect(await sim.currentBlock({ value: SHA256, type: 'Sha256' }, token)).toBeUndefined();
    expect([sim.supportsOptions, sim.hashTypes]).toEqual([true, ['Sha1', 'Sha256', 'Md5']]);
  });

  it('unblocks with the seed’s cancellation trail, once; nothing blocked gives undefined', async () => {
    await sim.block({ hash: sha1(), comment: 'dropper', caller: ANA }, token);
    now = new Date('2025-03-01T11:00:00.000Z');
    const lifted = await sim.unblock({ hash: sha1(), comment: 'false positive', caller: GALE }, token);
    const again = await sim.unblock({ hash: sha1(), comment: 'again', caller: GALE }, token);
    expect(lifted).toMatchObject({
      actionType: 'UnBlock',
      fileStatus: 'Unblocked',
      creationDateTimeUtc: '2025-03-01T10:00:00.000Z',
      requestor: 'Ana Analyst',
      requestorComment: 'dropper',
      cancellationRequestor: 'Gale Admin',
      cancellationDateTimeUtc: '2025-03-01T11:00:00.000Z',
      cancellationComment: 'false positive',
    });
    expect(again).toBeUndefined();
    expect(await sim.currentBlock(sha1(), token)).toBeUndefined();
    expect(sim.blocked()).toEqual([]);
  });

  it('gives each block an id, kept while it is replaced in force and new after a lift; Undo lifts only its own id', async () => {
    const first = await sim.block({ hash: sha1(), comment: 'dropper', caller: ANA }, token);
    const replaced = await sim.block({ hash: sha1(), comment: 'still a dropper', caller: GALE }, token);
    expect(replaced.indicatorId).toBe(first.indicatorId);
    await sim.unblock({ hash: sha1(), comment: 'lifted', caller: GALE }, token);
    const audit = await sim.block({ hash: sha1(), comment: 'watch', caller: GALE, options: { action: 'Audit' } }, token);
    expect(audit.indicatorId).not.toBe(first.indicatorId);
    expect(await sim.liftable(sha1(), token)).toEqual([
      { id: audit.indicatorId, action: 'Audit', createdBy: 'Gale Admin', createdAt: '2025-03-01T10:00:00.000Z', comment: 'watch', foreign: false },
    ]);

    expect(await sim.liftBlock({ indicatorId: first.indicatorId, comment: 'dropper' }, { hash: sha1(), comment: 'undo', caller: ANA }, token)).toBeUndefined();
    expect(await sim.currentBlock(sha1(), token)).toEqual(audit);
    expect(await sim.liftBlock({ indicatorId: audit.indicatorId, comment: 'watch' }, { hash: sha1(), comment: 'undo', caller: ANA }, token)).toMatchObject({
      fileStatus: 'Unblocked',
    });
    expect(await sim.currentBlock(sha1(), token)).toBeUndefined();
  });

  it('Undo lifts nothing once its block was replaced in force (same id, a later update)', async () => {
    const first = await sim.block({ hash: sha1(), comment: 'dropper', caller: ANA }, token);
    now = new Date('2025-03-01T10:05:00.000Z');
    const replaced = await sim.block({ hash: sha1(), comment: 'audit instead', caller: GALE, options: { action: 'Audit' } }, token);
    const made = { indicatorId: first.indicatorId, updatedAt: first.lastUpdateDateTimeUtc, comment: 'dropper' };
    expect(await sim.liftBlock(made, { hash: sha1(), comment: 'undo', caller: ANA }, token)).toBeUndefined();
    expect(await sim.currentBlock(sha1(), token)).toEqual(replaced);
  });

  it('makes up the same plausible details for the same hash', async () => {
    const first = await sim.fileDetails(sha1(), token);
    const second = await sim.fileDetails(sha1(), token);
    expect(second).toEqual(first);
    expect(first.info).toMatchObject({ sha1: SHA1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), md5: expect.stringMatching(/^[0-9a-f]{32}$/), isPeFile: true });
    expect(first.info?.signer ?? '').not.toMatch(/microsoft/i);
    expect(first.stats?.orgPrevalence).toBeGreaterThanOrEqual(1);
    expect(first.stats?.orgPrevalence).toBeLessThanOrEqual(40);
  });

  it('offers demo hashes for the Microsoft-signed and the widespread warnings', async () => {
    const signed = await sim.fileDetails(sha1(DEMO_MICROSOFT_SIGNED_SHA1), token);
    const widespread = await sim.fileDetails(sha1(DEMO_WIDESPREAD_SHA1), token);
    expect(signed.info).toMatchObject({ signer: 'Microsoft Windows', isValidCertificate: true });
    expect(widespread.stats?.orgPrevalence).toBe(5000);
    expect(widespread.info?.signer ?? '').not.toMatch(/microsoft/i);
  });

  it('imports in memory, one result per request, and refuses more than 500', async () => {
    const other = sha1('0123456789abcdef0123456789abcdef01234567');
    const results = await sim.importBlocks(
      [
        { hash: sha1(), comment: 'a', caller: ANA },
        { hash: other, comment: 'b', caller: ANA },
      ],
      token,
    );
    const tooMany = sim.importBlocks(Array(501).fill({ hash: sha1(), comment: 'x', caller: ANA }), token);
    expect(results).toEqual([
      { hash: sha1(), ok: true },
      { hash: other, ok: true },
    ]);
    expect(sim.blocked().map((s) => s.fileIdentifier)).toEqual([SHA1, other.value]);
    await expect(tooMany).rejects.toMatchObject({ reason: 'invalidRequest' });
  });
});
