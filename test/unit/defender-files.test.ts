import type { Caller } from '../../src/domain/caller';
import type { BlockFileRequest } from '../../src/domain/ports';
import { FilesDefenderApi } from '../../src/defender/files-defender-api';
import { DefenderError } from '../../src/errors';
import { startDefenderKit, type DefenderKit } from '../fakes/fake-defender-kit';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const OTHER_SHA1 = '0123456789abcdef0123456789abcdef01234567';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const NOW = new Date('2025-03-01T10:00:00.000Z');
const ANA: Caller = { userId: '29:1ana', name: 'Ana Analyst', aadObjectId: 'oid-ana', tenantId: 'tenant-1' };
const sha1 = (value = SHA1) => ({ value, type: 'Sha1' as const });

describe('FilesDefenderApi against the fake legacy files API', () => {
  let kit: DefenderKit;
  let api: FilesDefenderApi;

  beforeAll(async () => {
    kit = await startDefenderKit({ now: () => Date.parse('2025-03-01T09:00:00Z') });
    api = new FilesDefenderApi(kit.fake.filesUrl, kit.http(), () => NOW);
  });
  afterAll(() => kit.close());
  beforeEach(() => kit.fake.reset());

  const block = (hash = sha1(), comment = 'dropper') => api.block({ hash, comment, caller: ANA }, kit.filesToken);

  it('blocks by SHA-1 with only the Comment, ignoring options, and reads the 201 FileAction', async () => {
    const status = await api.block(
      { hash: sha1(), comment: 'alert 32123', caller: ANA, options: { action: 'Audit', severity: 'High', deviceGroups: ['Servers'] } },
      kit.filesToken,
    );
    const [call] = kit.fake.requests;
    expect([api.supportsOptions, api.hashTypes]).toEqual([false, ['Sha1']]);
    expect([call.method, call.path, call.body]).toEqual(['POST', `/testwdatppreview/files/${SHA1}/block`, { Comment: 'alert 32123' }]);
    expect(status).toMatchObject({ fileIdentifier: SHA1, actionType: 'Block', fileStatus: 'Blocked', requestor: 'Ana@contoso.com', confirmed: true, source: 'files' });
  });

  it.each([
    ['block', () => api.block({ hash: { value: SHA256, type: 'Sha256' }, comment: 'x', caller: ANA }, kit.filesToken)],
    ['unblock', () => api.unblock({ hash: { value: SHA256, type: 'Sha256' }, comment: 'x', caller: ANA }, kit.filesToken)],
  ])('refuses a SHA-256 %s without sending a request', async (_name, act) => {
    const error = await act().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefenderError);
    expect((error as DefenderError).reason).toBe('invalidHash');
    expect((error as DefenderError).message).toContain('SHA-1 only');
    expect(kit.fake.requests).toEqual([]);
  });

  it('unblocks a blocked file: reads the UnBlock answer as Unblocked despite the doc’s "Blocked", with its cancellation trail', async () => {
    await block();
    kit.fake.clear();
    const status = await api.unblock({ hash: sha1(), comment: 'false positive', caller: ANA }, kit.filesToken);
    expect(kit.fake.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['GET', '/testwdatppreview/fileactions', undefined],
      ['POST', `/testwdatppreview/files/${SHA1}/unblock`, { Comment: 'false positive' }],
    ]);
    expect(kit.fake.fileActions().at(-1)).toMatchObject({ actionType: 'UnBlock', fileStatus: 'Blocked' });
    expect(status).toMatchObject({
      fileIdentifier: SHA1,
      actionType: 'UnBlock',
      fileStatus: 'Unblocked',
      cancellationRequestor: 'Ana@contoso.com',
      cancellationComment: 'false positive',
      cancellationDateTimeUtc: '2025-03-01T09:00:00.0000000Z',
      confirmed: true,
    });
    expect(kit.fake.isBlocked(SHA1)).toBe(false);
  });

  it('builds the unblock status from the request and the lifted block when Defender answers 200 with no body', async () => {
    await block(sha1(), 'dropper from alert 7');
    kit.fake.setBlockAnswer('200-empty');
    const status = await api.unblock({ hash: sha1(), comment: 'cleared', caller: ANA }, kit.filesToken);
    expect(status).toMatchObject({
      actionType: 'UnBlock',
      fileStatus: 'Unblocked',
      requestor: 'Ana@contoso.com',
      requestorComment: 'dropper from alert 7',
      cancellationRequestor: 'Ana Analyst',
      cancellationComment: 'cleared',
      cancellationDateTimeUtc: NOW.toISOString(),
      confirmed: false,
    });
  });

  it('answers undefined and sends no unblock when nothing was blocked', async () => {
    await block(sha1(OTHER_SHA1));
    kit.fake.clear();
    const status = await api.unblock({ hash: sha1(), comment: 'x', caller: ANA }, kit.filesToken);
    expect(status).toBeUndefined();
    expect(kit.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /testwdatppreview/fileactions']);
  });

  it('finds the current block in GET /fileactions, and nothing for a file not listed', async () => {
    await block(sha1(OTHER_SHA1), 'other');
    await block(sha1(), 'mine');
    const found = await api.currentBlock(sha1(), kit.filesToken);
    const missing = await api.currentBlock(sha1('f'.repeat(40)), kit.filesToken);
    expect(found).toMatchObject({ fileIdentifier: SHA1, fileStatus: 'Blocked', requestorComment: 'mine', source: 'files' });
    expect(missing).toBeUndefined();
    expect(kit.fake.requestsTo('GET', /\/fileactions$/)).toHaveLength(2);
  });

  it('reads file info and the legacy stats (orgPrevalence as a string), without lookBackHours', async () => {
    kit.fake.seedFile({
      sha1: SHA1,
      sha256: SHA256,
      size: 1024,
      signer: 'Contoso',
      isValidCertificate: true,
      globalPrevalence: 40,
      orgPrevalence: 106398,
      topFileNames: ['evil.exe'],
    });
    const details = await api.fileDetails(sha1(), kit.filesToken);
    expect(details).toEqual({
      info: { sha1: SHA1, sha256: SHA256, size: 1024, signer: 'Contoso', isValidCertificate: true, globalPrevalence: 40 },
      stats: { orgPrevalence: 106398, topFileNames: ['evil.exe'] },
    });
    expect(kit.fake.requests.map((r) => [r.path, r.query])).toEqual(
      expect.arrayContaining([
        [`/testwdatppreview/files/${SHA1}`, {}],
        [`/testwdatppreview/files/${SHA1}/stats`, {}],
      ]),
    );
  });

  it('gives empty parts for a file Defender never saw', async () => {
    const details = await api.fileDetails(sha1(), kit.filesToken);
    expect(details).toEqual({});
    expect(kit.fake.requests.map((r) => r.status)).toEqual([404, 404]);
  });

  it('imports one by one: a refused item is a failed result, the rest are blocked', async () => {
    const requests: BlockFileRequest[] = [
      { hash: sha1(), comment: 'one', caller: ANA },
      { hash: { value: SHA256, type: 'Sha256' }, comment: 'two', caller: ANA },
      { hash: sha1(OTHER_SHA1), comment: 'three', caller: ANA },
    ];
    const results = await api.importBlocks(requests, kit.filesToken);
    expect(results).toEqual([
      { hash: sha1(), ok: true },
      { hash: { value: SHA256, type: 'Sha256' }, ok: false, reason: expect.stringContaining('SHA-1 only') },
      { hash: sha1(OTHER_SHA1), ok: true },
    ]);
    expect(kit.fake.requestsTo('POST', /\/block$/).map((r) => r.body)).toEqual([{ Comment: 'one' }, { Comment: 'three' }]);
    expect(api.maxBatch).toBe(500);
  });

  it('lets a transient failure of an import propagate so the caller can pause and resend the batch', async () => {
    kit.fake.failNext(Infinity, { status: 503 });
    const requests: BlockFileRequest[] = [{ hash: sha1(), comment: 'one', caller: ANA }];
    const error = await api.importBlocks(requests, kit.filesToken).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'unavailable', details: { attempts: 3 } });
  });

  it('refuses more than 500 requests at once', async () => {
    const requests = Array.from({ length: 501 }, () => ({ hash: sha1(), comment: 'x', caller: ANA }));
    await expect(api.importBlocks(requests, kit.filesToken)).rejects.toMatchObject({ reason: 'invalidRequest' });
    expect(kit.fake.requests).toEqual([]);
  });
});

describe('FilesDefenderApi: an Undo lifts only the block it made', () => {
  let kit: DefenderKit;
  let api: FilesDefenderApi;
  let fakeNow = Date.parse('2025-03-01T09:00:00Z');

  beforeAll(async () => {
    kit = await startDefenderKit({ now: () => fakeNow });
    api = new FilesDefenderApi(kit.fake.filesUrl, kit.http(), () => NOW);
  });
  afterAll(() => kit.close());
  beforeEach(() => kit.fake.reset());

  const undo = { hash: sha1(), comment: 'undo', caller: ANA };
  const madeBy = (status: { creationDateTimeUtc?: string; requestor?: string }, comment: string) => ({
    comment,
    createdAt: status.creationDateTimeUtc,
    requestor: status.requestor,
  });

  it('unblocks while the block in force is the one it made (same creation time and requestor)', async () => {
    const status = await api.block({ hash: sha1(), comment: 'oops', caller: ANA }, kit.filesToken);
    kit.fake.clear();
    const lifted = await api.liftBlock(madeBy(status, 'oops'), undo, kit.filesToken);
    expect(kit.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /testwdatppreview/fileactions', `POST /testwdatppreview/files/${SHA1}/unblock`]);
    expect(lifted).toMatchObject({ fileStatus: 'Unblocked', cancellationComment: 'undo' });
  });

  it('changes nothing when the block in force is a later one (lifted and blocked again since)', async () => {
    const first = await api.block({ hash: sha1(), comment: 'oops', caller: ANA }, kit.filesToken);
    await api.unblock({ hash: sha1(), comment: 'lifted by hand', caller: ANA }, kit.filesToken);
    fakeNow += 60_000;
    await api.block({ hash: sha1(), comment: 'blocked again for a new reason', caller: ANA }, kit.filesToken);
    kit.fake.clear();
    expect(await api.liftBlock(madeBy(first, 'oops'), undo, kit.filesToken)).toBeUndefined();
    expect(kit.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /testwdatppreview/fileactions']);
    expect(kit.fake.isBlocked(SHA1)).toBe(true);
  });

  it('when Defender described nothing at block time, recognizes its block by the comment', async () => {
    kit.fake.setBlockAnswer('200-empty');
    await api.block({ hash: sha1(), comment: 'oops', caller: ANA }, kit.filesToken);
    expect(await api.liftBlock({ comment: 'someone else’s reason' }, undo, kit.filesToken)).toBeUndefined();
    expect(kit.fake.isBlocked(SHA1)).toBe(true);
    expect(await api.liftBlock({ comment: 'oops' }, undo, kit.filesToken)).toMatchObject({ fileStatus: 'Unblocked' });
    expect(kit.fake.isBlocked(SHA1)).toBe(false);
  });

  it('lists the one block in force for unblock, never as foreign (the files API does not say which tool set it)', async () => {
    await api.block({ hash: sha1(), comment: 'dropper', caller: ANA }, kit.filesToken);
    expect(await api.liftable(sha1(), kit.filesToken)).toEqual([
      { action: 'Block', createdBy: 'Ana@contoso.com', createdAt: expect.stringMatching(/^2025-03-01T09:0/), comment: 'dropper', foreign: false },
    ]);
    expect(await api.liftable(sha1(OTHER_SHA1), kit.filesToken)).toEqual([]);
  });
});
