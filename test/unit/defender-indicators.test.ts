import { createHash } from 'node:crypto';
import type { Caller } from '../../src/domain/caller';
import type { FileHash } from '../../src/domain/file-hash';
import type { BlockFileRequest } from '../../src/domain/ports';
import { IndicatorsDefenderApi } from '../../src/defender/indicators-defender-api';
import { startDefenderKit, type DefenderKit } from '../fakes/fake-defender-kit';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const FAKE_NOW = Date.parse('2025-03-01T09:00:00Z');
const ANA: Caller = { userId: '29:1ana', name: 'Ana Analyst', aadObjectId: 'oid-ana', tenantId: 'tenant-1' };
const SEEDER = { upn: 'Sam@contoso.com', name: 'Sam Soc', scp: 'Ti.ReadWrite' };
/** What the bot appends to the comment of an indicator Ana asked for herself. */
const BY_ANA = '\n\n-- Sent from Microsoft Teams (Defender Block Bot). Requested by Ana Analyst.';
const hashOf = (value: string, type: FileHash['type']): FileHash => ({ value, type });
const indicatorSeed = (value: string, type: string, extra: Record<string, unknown> = {}) => ({
  indicatorValue: value,
  indicatorType: type,
  action: 'Block',
  title: 'by hand',
  description: 'from the portal',
  ...extra,
});

describe('IndicatorsDefenderApi against the fake indicators API', () => {
  let kit: DefenderKit;
  let now: Date;
  let api: IndicatorsDefenderApi;

  beforeAll(async () => {
    kit = await startDefenderKit({ now: () => FAKE_NOW });
    api = new IndicatorsDefenderApi(kit.fake.indicatorsUrl, kit.http(), () => now);
  });
  afterAll(() => kit.close());
  beforeEach(() => {
    kit.fake.reset();
    now = new Date('2025-03-01T10:00:00.000Z');
  });

  it('sends every option: action, expiry, severity, device groups, the comment as title and description, application', async () => {
    const status = await api.block(
      {
        hash: hashOf(SHA256, 'Sha256'),
        comment: '  Dropper from alert 32123 ',
        caller: ANA,
        options: { action: 'BlockAndRemediate', expiresAt: '2025-04-01T00:00:00.000Z', severity: 'High', deviceGroups: ['Servers', 'Finance laptops'] },
      },
      kit.indicatorsToken,
    );
    const [call] = kit.fake.requests;
    expect([call.method, call.path]).toEqual(['POST', '/api/indicators']);
    expect(call.body).toEqual({
      indicatorValue: SHA256,
      indicatorType: 'FileSha256',
      action: 'BlockAndRemediate',
      title: 'Blocked and remediated from Teams: Dropper from alert 32123',
      description: `Dropper from alert 32123${BY_ANA}`,
      application: 'Defender Block Bot',
      generateAlert: false,
      expirationTime: '2025-04-01T00:00:00.000Z',
      severity: 'High',
      rbacGroupNames: ['Servers', 'Finance laptops'],
    });
    expect(status).toMatchObject({
      fileIdentifier: SHA256,
      fileIdentifierType: 'Sha256',
      actionType: 'BlockAndRemediate',
      fileStatus: 'Blocked',
      indicatorId: kit.fake.indicators()[0].id,
      expirationTime: '2025-04-01T00:00:00.000Z',
      requestor: 'Ana Lyst (Ana@contoso.com)',
      source: 'indicators',
    });
  });

  it('sends a plain Block without optional fields, and maps MD5 to FileMd5', async () => {
    await api.block({ hash: hashOf(MD5, 'Md5'), comment: 'seen twice', caller: ANA }, kit.indicatorsToken);
    expect(kit.fake.requests[0].body).toEqual({
      indicatorValue: MD5,
      indicatorType: 'FileMd5',
      action: 'Block',
      title: 'Blocked from Teams: seen twice',
      description: `seen twice${BY_ANA}`,
      application: 'Defender Block Bot',
      generateAlert: false,
    });
    expect([api.hashTypes, api.supportsOptions]).toEqual([['Sha1', 'Sha256', 'Md5'], true]);
  });

  it('sets generateAlert for Audit, which Defender requires', async () => {
    const status = await api.block({ hash: hashOf(SHA1, 'Sha1'), comment: 'watch it', caller: ANA, options: { action: 'Audit' } }, kit.indicatorsToken);
    expect(kit.fake.requests[0]).toMatchObject({ status: 200, body: { action: 'Audit', generateAlert: true, title: 'Audited from Teams: watch it' } });
    expect(status).toMatchObject({ actionType: 'Audit', fileStatus: 'Audit' });
  });

  it('unblocks: finds the indicator by OData $filter, deletes it, and reports the original block with the cancellation trail', async () => {
    const seeded = kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1'), SEEDER);
    const status = await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'false positive', caller: ANA }, kit.indicatorsToken);
    expect(kit.fake.requests.map((r) => [r.method, r.path, r.query, r.status])).toEqual([
      ['GET', '/api/indicators', { $filter: `indicatorValue eq '${SHA1}'` }, 200],
      ['DELETE', `/api/indicators/${seeded.id}`, {}, 204],
    ]);
    expect(status).toEqual({
      fileIdentifier: SHA1,
      fileIdentifierType: 'Sha1',
      actionType: 'Unblock',
      fileStatus: 'Unblocked',
      creationDateTimeUtc: seeded.creationTimeDateTimeUtc,
      requestor: 'Sam Soc (Sam@contoso.com)',
      requestorComment: 'from the portal',
      cancellationRequestor: 'Ana Analyst',
      cancellationDateTimeUtc: '2025-03-01T10:00:00.000Z',
      cancellationComment: 'false positive',
      lastUpdateDateTimeUtc: '2025-03-01T10:00:00.000Z',
      confirmed: true,
      source: 'indicators',
      indicatorId: seeded.id,
      expirationTime: undefined,
    });
    expect(kit.fake.indicators()).toEqual([]);
  });

  it('counts a 404 on DELETE (already gone) as done', async () => {
    kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1'));
    kit.fake.failNext(1, { status: 404, code: 'NotFound', matcher: (m) => m === 'DELETE' });
    const status = await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'gone', caller: ANA }, kit.indicatorsToken);
    expect(kit.fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'DELETE 404']);
    expect(status).toMatchObject({ fileStatus: 'Unblocked', cancellationComment: 'gone' });
  });

  it('answers undefined when nothing was blocked, and leaves an Allowed indicator alone', async () => {
    kit.fake.seedIndicator(indicatorSeed(SHA256, 'FileSha256', { action: 'Allowed' }));
    const none = await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'x', caller: ANA }, kit.indicatorsToken);
    const allowed = await api.unblock({ hash: hashOf(SHA256, 'Sha256'), comment: 'x', caller: ANA }, kit.indicatorsToken);
    expect([none, allowed]).toEqual([undefined, undefined]);
    expect(kit.fake.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(kit.fake.indicators()).toHaveLength(1);
  });

  it('lists what an unblock would delete (Allowed left out): who created each, when, its action, and whether the bot did', async () => {
    const foreign = kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1', { action: 'Audit', generateAlert: true, title: 'Hunting watch' }), SEEDER);
    const own = await api.block({ hash: hashOf(SHA256, 'Sha256'), comment: 'dropper', caller: ANA }, kit.indicatorsToken);
    kit.fake.seedIndicator(indicatorSeed(MD5, 'FileMd5', { action: 'Allowed', application: 'Patch tool' }));
    kit.fake.clear();
    const [sha1, sha256, md5] = await Promise.all([SHA1, SHA256, MD5].map((v, i) => api.liftable(hashOf(v, (['Sha1', 'Sha256', 'Md5'] as const)[i]), kit.indicatorsToken)));
    expect(sha1).toEqual([
      {
        id: foreign.id,
        action: 'Audit',
        createdBy: 'Sam Soc (Sam@contoso.com)',
        createdAt: foreign.creationTimeDateTimeUtc,
        title: 'Hunting watch',
        comment: 'from the portal',
        foreign: true,
      },
    ]);
    expect(sha256).toEqual([expect.objectContaining({ id: own.indicatorId, action: 'Block', createdBy: 'Ana Lyst (Ana@contoso.com)', foreign: false })]);
    expect(md5).toEqual([]);
    expect(kit.fake.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it.each([
    ['the title it writes now', 'Blocked from Teams: Dropper from alert 32123'],
    ['the title it wrote before', 'Blocked from Teams by Ana Analyst'],
  ])("recognizes the bot's indicator by %s when Defender kept no application, and not a look-alike of another application", async (_label, title) => {
    kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1', { title }), SEEDER);
    kit.fake.seedIndicator(indicatorSeed(SHA256, 'FileSha256', { title, application: 'Other tool' }), SEEDER);
    kit.fake.seedIndicator(indicatorSeed(MD5, 'FileMd5', { title: `Re: ${title}` }), SEEDER);
    const [bySha1] = await api.liftable(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    const [bySha256] = await api.liftable(hashOf(SHA256, 'Sha256'), kit.indicatorsToken);
    const [byMd5] = await api.liftable(hashOf(MD5, 'Md5'), kit.indicatorsToken);
    expect([bySha1.foreign, bySha256.foreign, byMd5.foreign]).toEqual([false, true, true]);
  });

  it('puts the comment in the title on one line, cut to 100 characters, and the whole comment in the description', async () => {
    const comment = `Dropper from alert 32123\nseen on   3 hosts ${'x'.repeat(200)}`;
    await api.block({ hash: hashOf(SHA1, 'Sha1'), comment, caller: ANA, options: { action: 'Warn' } }, kit.indicatorsToken);
    const body = kit.fake.requests[0].body as { title: string; description: string };
    expect(body.title).toHaveLength(100);
    expect(body.title).toBe(`Warned from Teams: Dropper from alert 32123 seen on 3 hosts ${'x'.repeat(39)}…`);
    expect(body.description).toBe(`${comment}${BY_ANA}`);
  });

  it('says in the description who asked and who approved a four-eyes block, and reads the comment back from it (and from older descriptions)', async () => {
    const gale: Caller = { ...ANA, userId: '29:gale', name: 'Gale Global', upn: 'gale@contoso.com' };
    await api.block({ hash: hashOf(SHA1, 'Sha1'), comment: 'phishing\nmail 42', caller: gale, requestedBy: { name: 'Riley Reader' } }, kit.indicatorsToken);
    const body = kit.fake.requests[0].body as { description: string };
    expect(body.description).toBe('phishing\nmail 42\n\n-- Sent from Microsoft Teams (Defender Block Bot). Requested by Riley Reader. Approved by Gale Global (gale@contoso.com).');
    const [listed] = await api.liftable(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    expect(listed.comment).toBe('phishing\nmail 42');
    expect((await api.currentBlock(hashOf(SHA1, 'Sha1'), kit.indicatorsToken))?.requestorComment).toBe('phishing\nmail 42');
    kit.fake.seedIndicator(indicatorSeed(SHA256, 'FileSha256', { description: 'written before the trailer' }), SEEDER);
    expect((await api.liftable(hashOf(SHA256, 'Sha256'), kit.indicatorsToken))[0].comment).toBe('written before the trailer');
  });

  it('unblocks only the indicators it was given: one not listed (created since the list was shown) stays', async () => {
    const seeded = kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1'), SEEDER);
    kit.fake.clear();
    const none = await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'cleared', caller: ANA }, kit.indicatorsToken, []);
    expect(none).toBeUndefined();
    expect(kit.fake.requests.map((r) => r.method)).toEqual(['GET']);
    expect(kit.fake.indicators().map((i) => i.id)).toEqual([seeded.id]);

    const listed = await api.liftable(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    const lifted = await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'cleared', caller: ANA }, kit.indicatorsToken, listed);
    expect(lifted).toMatchObject({ indicatorId: seeded.id, fileStatus: 'Unblocked' });
    expect(kit.fake.requestsTo('DELETE', /indicators/).map((r) => r.path)).toEqual([`/api/indicators/${seeded.id}`]);
  });

  it("Undo's liftBlock deletes only the indicator the block created, by id; once that one is gone it changes nothing", async () => {
    const made = await api.block({ hash: hashOf(SHA1, 'Sha1'), comment: 'oops', caller: ANA }, kit.indicatorsToken);
    await api.unblock({ hash: hashOf(SHA1, 'Sha1'), comment: 'lifted by hand', caller: ANA }, kit.indicatorsToken);
    const newer = kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1', { action: 'Audit', generateAlert: true }), SEEDER);
    expect(newer.id).not.toBe(made.indicatorId);
    kit.fake.clear();

    const stale = await api.liftBlock({ indicatorId: made.indicatorId, comment: 'oops' }, { hash: hashOf(SHA1, 'Sha1'), comment: 'undo', caller: ANA }, kit.indicatorsToken);
    expect(stale).toBeUndefined();
    expect(kit.fake.requests.map((r) => r.method)).toEqual(['GET']);
    expect(kit.fake.indicators().map((i) => i.id)).toEqual([newer.id]);

    kit.fake.clear();
    const own = await api.liftBlock({ indicatorId: newer.id, comment: 'from the portal' }, { hash: hashOf(SHA1, 'Sha1'), comment: 'undo', caller: ANA }, kit.indicatorsToken);
    expect(kit.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/indicators', `DELETE /api/indicators/${newer.id}`]);
    expect(own).toMatchObject({ indicatorId: newer.id, fileStatus: 'Unblocked', actionType: 'Unblock', cancellationComment: 'undo' });
    expect(kit.fake.indicators()).toEqual([]);
  });

  it("Undo's liftBlock leaves alone its indicator once someone else updated it (same id, their values)", async () => {
    const fakeNow = { at: Date.parse('2025-03-01T09:00:00Z') };
    const own = await startDefenderKit({ now: () => fakeNow.at });
    try {
      const ownApi = new IndicatorsDefenderApi(own.fake.indicatorsUrl, own.http(), () => now);
      const made = await ownApi.block({ hash: hashOf(SHA1, 'Sha1'), comment: 'oops', caller: ANA }, own.indicatorsToken);
      fakeNow.at += 60_000;
      const updated = own.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1', { action: 'Audit', generateAlert: true, description: 'watch instead' }), SEEDER);
      expect(updated.id).toBe(made.indicatorId);
      own.fake.clear();
      const undo = { hash: hashOf(SHA1, 'Sha1'), comment: 'undo', caller: ANA };
      const lifted = await ownApi.liftBlock({ indicatorId: made.indicatorId, updatedAt: made.lastUpdateDateTimeUtc, comment: 'oops' }, undo, own.indicatorsToken);
      expect(lifted).toBeUndefined();
      expect(own.fake.requests.map((r) => r.method)).toEqual(['GET']);
      expect(own.fake.indicators()).toEqual([expect.objectContaining({ id: updated.id, action: 'Audit' })]);
    } finally {
      await own.close();
    }
  });

  it('reports the current indicator as the block in force, and none once it has expired', async () => {
    const seeded = kit.fake.seedIndicator(indicatorSeed(SHA1, 'FileSha1', { expirationTime: '2025-03-01T12:00:00Z' }), SEEDER);
    const current = await api.currentBlock(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    now = new Date('2025-03-01T13:00:00Z');
    const afterExpiry = await api.currentBlock(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    const unknown = await api.currentBlock(hashOf(SHA256, 'Sha256'), kit.indicatorsToken);
    expect(current).toMatchObject({ indicatorId: seeded.id, fileStatus: 'Blocked', requestor: 'Sam Soc (Sam@contoso.com)', expirationTime: '2025-03-01T12:00:00Z' });
    expect(afterExpiry).toBeUndefined();
    expect(unknown).toBeUndefined();
    expect(kit.fake.requests.map((r) => r.query.$filter)).toEqual([`indicatorValue eq '${SHA1}'`, `indicatorValue eq '${SHA1}'`, `indicatorValue eq '${SHA256}'`]);
  });

  it('reads file info and the modern stats (organizationPrevalence, globallyPrevalence) over 720 hours', async () => {
    kit.fake.seedFile({
      sha1: SHA1,
      sha256: SHA256,
      md5: MD5,
      isPeFile: true,
      signer: 'Microsoft Windows',
      isValidCertificate: true,
      globalPrevalence: 180022,
      orgPrevalence: 5000,
      orgFirstSeen: '2024-01-01T00:00:00Z',
      topFileNames: ['notepad.exe'],
      somethingNew: 'x',
    });
    const details = await api.fileDetails(hashOf(SHA256, 'Sha256'), kit.indicatorsToken);
    expect(details).toEqual({
      info: { sha1: SHA1, sha256: SHA256, md5: MD5, isPeFile: true, signer: 'Microsoft Windows', isValidCertificate: true, globalPrevalence: 180022 },
      stats: { orgPrevalence: 5000, globalPrevalence: 180022, orgFirstSeen: '2024-01-01T00:00:00Z', topFileNames: ['notepad.exe'] },
    });
    expect(kit.fake.requestsTo('GET', /\/stats$/).map((r) => [r.path, r.query])).toEqual([[`/api/files/${SHA256}/stats`, { lookBackHours: '720' }]]);
  });

  it('leaves out a part Defender answers 404 for, and throws on other failures', async () => {
    kit.fake.seedFile({ sha1: SHA1, signer: 'Contoso' });
    kit.fake.failNext(1, { status: 404, matcher: (_m, p) => p.endsWith('/stats') });
    const partial = await api.fileDetails(hashOf(SHA1, 'Sha1'), kit.indicatorsToken);
    kit.fake.failNext(Infinity, { status: 403, code: 'Forbidden', matcher: (_m, p) => p.endsWith('/stats') });
    const error = await api.fileDetails(hashOf(SHA1, 'Sha1'), kit.indicatorsToken).catch((e: unknown) => e);
    expect(partial).toEqual({ info: { sha1: SHA1, signer: 'Contoso' } });
    expect(error).toMatchObject({ name: 'DefenderError', reason: 'forbidden' });
  });

  it('imports 1,200 blocks split by the caller into 500/500/200, one result per request in order', async () => {
    const requests: BlockFileRequest[] = Array.from({ length: 1_200 }, (_, i) => ({
      hash: hashOf(createHash('sha1').update(`file-${i}`).digest('hex'), 'Sha1'),
      comment: `bulk ${i}`,
      caller: ANA,
      options: i === 700 ? { action: 'Block', expiresAt: 'next tuesday' } : undefined,
    }));
    const results = [];
    for (let at = 0; at < requests.length; at += api.maxBatch) {
      results.push(...(await api.importBlocks(requests.slice(at, at + api.maxBatch), kit.indicatorsToken)));
    }
    const calls = kit.fake.requestsTo('POST', /\/indicators\/import$/);
    expect(calls.map((c) => (c.body as { Indicators: unknown[] }).Indicators.length)).toEqual([500, 500, 200]);
    expect((calls[1].body as { Indicators: unknown[] }).Indicators[200]).toMatchObject({
      indicatorValue: requests[700].hash.value,
      expirationTime: 'next tuesday',
      title: 'Blocked from Teams: bulk 700',
      description: `bulk 700${BY_ANA}`,
    });
    expect((calls[0].body as { Indicators: unknown[] }).Indicators[3]).toMatchObject({ title: 'Blocked from Teams: bulk 3', description: `bulk 3${BY_ANA}` });
    expect(results.map((r) => r.hash)).toEqual(requests.map((r) => r.hash));
    expect(results[700]).toEqual({ hash: requests[700].hash, ok: false, reason: 'Request body is incorrect' });
    expect(results.filter((r) => r.ok)).toHaveLength(1_199);
    expect(results[0]).toEqual({ hash: requests[0].hash, ok: true, indicatorId: kit.fake.indicators()[0].id });
    expect(kit.fake.indicators()).toHaveLength(1_199);
  });

  it('refuses more than 500 per import without calling Defender, and answers nothing for nothing', async () => {
    const one = { hash: hashOf(SHA1, 'Sha1'), comment: 'x', caller: ANA };
    const error = await api.importBlocks(Array(501).fill(one), kit.indicatorsToken).catch((e: unknown) => e);
    const empty = await api.importBlocks([], kit.indicatorsToken);
    expect(error).toMatchObject({ name: 'DefenderError', reason: 'invalidRequest' });
    expect(empty).toEqual([]);
    expect(kit.fake.requests).toEqual([]);
  });

  it('retries a throttled import after Retry-After, then maps the answer', async () => {
    kit.retrySleeps.length = 0;
    kit.fake.failNext(1, { status: 429, retryAfterSec: 2, matcher: (_m, p) => p.endsWith('/import') });
    const results = await api.importBlocks([{ hash: hashOf(SHA1, 'Sha1'), comment: 'x', caller: ANA }], kit.indicatorsToken);
    expect(kit.fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(kit.retrySleeps).toEqual([2_000]);
    expect(results).toEqual([{ hash: hashOf(SHA1, 'Sha1'), ok: true, indicatorId: kit.fake.indicators()[0].id }]);
  });
});
