import { bulkBlock, type BulkProgress } from '../../src/domain/bulk-block';
import type { AuditEntry, AuditLog, BlockFileRequest, DefenderApi } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError } from '../../src/errors';

const caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana', tenantId: 't1' };
const delegation = { graph: async () => 'g', defender: async () => 'd' };
const hash = (i: number) => ({ value: i.toString(16).padStart(40, '0'), type: 'Sha1' as const });
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ hash: hash(i), comment: `row ${i}` }));

/** A Defender that answers import calls from a script and records what it was sent. */
function scriptedDefender(script: Array<'ok' | DefenderError>) {
  const calls: BlockFileRequest[][] = [];
  const api = {
    kind: 'indicators',
    hashTypes: ['Sha1', 'Sha256', 'Md5'],
    supportsOptions: true,
    maxBatch: 500,
    importBlocks: async (requests: readonly BlockFileRequest[]) => {
      calls.push([...requests]);
      const next = script.shift() ?? 'ok';
      if (next !== 'ok') throw next;
      return requests.map((r, i) => ({ hash: r.hash, ok: i !== 3, reason: i === 3 ? 'InvalidHashValue' : undefined }));
    },
  } as unknown as DefenderApi;
  return { api, calls };
}

function deps(defender: DefenderApi, patienceMs = 60_000, held: string[] = [DirectoryRole.SecurityAdministrator]) {
  const audited: AuditEntry[] = [];
  const sleeps: number[] = [];
  const audit: AuditLog = {
    record: async (e) => {
      const entry = { ...e, id: String(audited.length), at: 'now' } as AuditEntry;
      audited.push(entry);
      return entry;
    },
    recent: async () => [],
    all: async () => [],
  };
  return {
    audited,
    sleeps,
    deps: {
      roles: { rolesOf: async () => ({ ok: true as const, roles: new Set<string>(held) }) },
      defender,
      audit,
      now: () => new Date('2026-01-01T00:00:00Z'),
      widespreadThreshold: 100,
      timing: { sleep: async (ms: number) => void sleeps.push(ms), patienceMs },
    },
  };
}

describe('bulkBlock', () => {
  it('imports in batches of maxBatch, pauses for a 429 with Retry-After, resumes, and accounts for every hash', async () => {
    const { api, calls } = scriptedDefender(['ok', new DefenderError('rateLimited', 'slow down', { httpStatus: 429, retryAfterSeconds: 40 }), 'ok', 'ok']);
    const { deps: d, sleeps, audited } = deps(api);
    const progress: BulkProgress[] = [];
    const outcome = await bulkBlock(d, { items: items(1200), caller }, delegation, async (p) => void progress.push(p));
    expect(calls.map((c) => c.length)).toEqual([500, 500, 500, 200]);
    expect(sleeps).toEqual([40_000]);
    expect(progress.find((p) => p.waitingUntil)).toMatchObject({ done: 500, waitingUntil: '2026-01-01T00:00:40.000Z' });
    expect(outcome).toMatchObject({ kind: 'finished', progress: { total: 1200, done: 1200, blocked: 1197, finished: true } });
    if (outcome.kind === 'finished') expect(outcome.progress.failures.map((f) => f.reason)).toEqual(['InvalidHashValue', 'InvalidHashValue', 'InvalidHashValue']);
    expect(audited.filter((e) => e.action === 'block')).toHaveLength(1200);
    expect(audited.find((e) => e.action === 'bulk-block')).toMatchObject({ outcome: 'done', count: 1200, detail: '1197 of 1200 blocked' });
  });

  it('gives up after its patience and reports the rest as not blocked, with the reason', async () => {
    const throttled = () => new DefenderError('rateLimited', 'slow down', { httpStatus: 429, retryAfterSeconds: 50, correlationId: 'corr-9' });
    const { api } = scriptedDefender(['ok', throttled(), throttled(), throttled()]);
    const { deps: d, sleeps } = deps(api, 100_000);
    const outcome = await bulkBlock(d, { items: items(1000), caller }, delegation, async () => undefined);
    expect(sleeps).toEqual([50_000, 50_000]);
    expect(outcome).toMatchObject({ kind: 'finished', progress: { done: 1000, blocked: 499 } });
    if (outcome.kind === 'finished') expect(outcome.progress.failures.filter((f) => f.reason === 'slow down (correlation id corr-9)')).toHaveLength(500);
  });

  it('stops at a 403 and reports every remaining hash', async () => {
    const { api, calls } = scriptedDefender([new DefenderError('forbidden', 'Forbidden', { httpStatus: 403 })]);
    const { deps: d } = deps(api);
    const outcome = await bulkBlock(d, { items: items(1200), caller }, delegation, async () => undefined);
    expect(calls).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: 'finished', progress: { done: 1200, blocked: 0 } });
  });

  it('refuses a caller without the role before sending anything', async () => {
    const { api, calls } = scriptedDefender([]);
    const { deps: d, audited } = deps(api, 60_000, [DirectoryRole.SecurityReader]);
    const outcome = await bulkBlock(d, { items: items(3), caller }, delegation, async () => undefined);
    expect(outcome.kind).toBe('denied');
    expect(calls).toHaveLength(0);
    expect(audited).toEqual([expect.objectContaining({ action: 'bulk-block', outcome: 'denied', count: 3 })]);
  });
});
