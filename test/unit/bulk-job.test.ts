import { auditInterrupted } from '../../src/domain/bulk-audit';
import { bulkBlock } from '../../src/domain/bulk-block';
import { precheckBulk } from '../../src/domain/bulk-precheck';
import { BulkJobs } from '../../src/domain/bulk-job';
import type { AuditEntry, AuditLog, BlockFileRequest, DefenderApi } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import type { FileStatus } from '../../src/domain/file-status';
import type { FileHash } from '../../src/domain/file-hash';
import { DefenderError } from '../../src/errors';
import { MemoryStore } from '../../src/storage/memory-store';
import { bulkInterruptedReply, bulkPrecheckReply } from '../../src/cards/bulk-views';
import { cardTexts } from '../fixtures/card-texts';

const caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana', tenantId: 't1' };
const delegation = { graph: async () => 'g', defender: async () => 'd' };
const hash = (i: number) => ({ value: i.toString(16).padStart(40, '0'), type: 'Sha1' as const });
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ hash: hash(i), comment: `row ${i}` }));
const blockedStatus = (value: string): FileStatus => ({ sha1: value, fileStatus: 'Blocked', actionType: 'Block', source: 'indicators' }) as unknown as FileStatus;

/**
 * A Defender with state: imports add indicators; `crashOnImport` makes that import call reach Defender
 * (or not, with `lost: true`) and then never answer, as when the bot is killed while it waits.
 */
function statefulDefender(options: { crashOnImport?: number; lost?: boolean; lookupFails?: boolean; resetOnImport?: { call: number; applied: number } } = {}) {
  const indicators = new Set<string>();
  const imports: string[][] = [];
  const lookups: string[][] = [];
  let reachedCrash: () => void = () => undefined;
  const crashed = new Promise<void>((resolve) => (reachedCrash = resolve));
  const api = {
    kind: 'indicators',
    hashTypes: ['Sha1', 'Sha256', 'Md5'],
    supportsOptions: true,
    maxBatch: 500,
    importBlocks: async (requests: readonly BlockFileRequest[]) => {
      imports.push(requests.map((r) => r.hash.value));
      if (imports.length === options.crashOnImport) {
        if (!options.lost) for (const r of requests) indicators.add(r.hash.value);
        reachedCrash();
        return new Promise(() => undefined);
      }
      if (imports.length === options.resetOnImport?.call) {
        for (const r of requests.slice(0, options.resetOnImport.applied)) indicators.add(r.hash.value);
        throw new DefenderError('outcomeUnknown', 'The request was sent, but Defender reset the connection; it may have been carried out.');
      }
      for (const r of requests) indicators.add(r.hash.value);
      return requests.map((r) => ({ hash: r.hash, ok: true }));
    },
    existingBlocks: async (hashes: readonly FileHash[]) => {
      lookups.push(hashes.map((h) => h.value));
      if (options.lookupFails) throw new DefenderError('rateLimited', 'Too many requests', { httpStatus: 429 });
      return new Map(hashes.filter((h) => indicators.has(h.value)).map((h) => [h.value, blockedStatus(h.value)]));
    },
    currentBlock: async () => undefined,
    fileDetails: async () => ({}),
  } as unknown as DefenderApi;
  return { api, imports, lookups, indicators, crashed };
}

function deps(defender: DefenderApi) {
  const audited: AuditEntry[] = [];
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
    deps: {
      roles: { rolesOf: async () => ({ ok: true as const, roles: new Set<string>([DirectoryRole.SecurityAdministrator]) }) },
      defender,
      audit,
      now: () => new Date('2026-01-01T00:00:00Z'),
      widespreadThreshold: 100,
      timing: { sleep: async () => undefined, patienceMs: 60_000 },
    },
  };
}

/** Runs 1,200 hashes until the second import is under way, then "kills" the instance; returns what the next instance finds. */
async function killedMidway(defender: ReturnType<typeof statefulDefender>) {
  let time = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date(time);
  const disk = new MemoryStore({ now });
  const spec = { items: items(1200), options: { action: 'Block' as const }, caller };
  const job = await new BulkJobs(disk, now, 60_000).start('job-1', 'owner-ana', spec);
  void bulkBlock(deps(defender.api).deps, spec, delegation, async () => undefined, job);
  await defender.crashed;
  time += 61_000;
  const restarted = new BulkJobs(new MemoryStore({ now, sharing: disk }), now, 60_000);
  return { restarted, spec };
}

describe('bulk jobs: progress per batch, and a kill in the middle', () => {
  it('keeps the intent of the batch in flight and the outcome of the ones before, so the next instance knows exactly what was sent', async () => {
    const defender = statefulDefender({ crashOnImport: 2 });
    const { restarted } = await killedMidway(defender);

    const [orphan, ...more] = await restarted.orphans();
    expect(more).toEqual([]);
    expect(Object.keys(orphan.value.results)).toHaveLength(500);
    expect(Object.values(orphan.value.results).every((r) => r.ok)).toBe(true);
    expect(orphan.value.inFlight).toEqual(
      items(1200)
        .slice(500, 1000)
        .map((i) => i.hash.value),
    );
    expect(await restarted.takeOver(orphan)).toBe(true);
    expect(await restarted.takeOver(orphan)).toBe(false);
    expect(await restarted.orphans()).toEqual([]);
  });

  it('reports the interruption in the audit trail and on the card: blocked, not sent, and sent without an answer', async () => {
    const defender = statefulDefender({ crashOnImport: 2 });
    const { restarted } = await killedMidway(defender);
    const [orphan] = await restarted.orphans();
    const { deps: d, audited } = deps(defender.api);

    const state = await auditInterrupted(d, orphan.value);

    expect({ ...state, unknown: state.unknown.length }).toEqual({ total: 1200, blocked: 500, failed: 0, notSent: 200, unknown: 500 });
    expect(audited.filter((e) => e.outcome === 'done')).toHaveLength(500);
    expect(audited.filter((e) => e.outcome === 'unknown')).toHaveLength(500);
    expect(audited.at(-1)).toMatchObject({ action: 'bulk-block', detail: 'interrupted: 500 blocked, 0 not blocked, 200 not sent, 500 unknown' });
    const texts = cardTexts(bulkInterruptedReply(state, 'resume-1').card.content);
    expect(texts[0]).toBe('Bulk block interrupted: 500 of 1,200 blocked');
    expect(texts).toEqual(expect.arrayContaining([expect.stringContaining('Not sent yet: 200. Sent, answer not received: 500'), 'Nothing more is sent until you resume.']));
  });

  it.each([
    ['reached Defender before the kill', false, 200],
    ['never reached Defender', true, 700],
  ])('on resume, checks the batch whose answer was lost with one lookup (it %s) and imports every hash exactly once', async (_what, lost, resent) => {
    const defender = statefulDefender({ crashOnImport: 2, lost });
    const { restarted, spec } = await killedMidway(defender);
    const [orphan] = await restarted.orphans();
    const remaining = spec.items.filter((i) => orphan.value.results[i.hash.value] === undefined);

    const outcome = await bulkBlock(deps(defender.api).deps, { ...spec, items: remaining, verify: orphan.value.inFlight }, delegation, async () => undefined);

    expect(outcome).toMatchObject({ kind: 'finished', progress: { total: 700, blocked: 700, failures: [] } });
    expect(defender.lookups).toEqual([orphan.value.inFlight]);
    expect(defender.imports.slice(2).flat()).toHaveLength(resent);
    const landed = defender.imports.filter((_, i) => !(lost && i === 1)).flat();
    expect(landed).toHaveLength(1200);
    expect(new Set(landed).size).toBe(1200);
  });

  it('does not re-import a batch whose outcome cannot be checked: it is reported as unknown', async () => {
    const defender = statefulDefender({ crashOnImport: 2, lookupFails: true });
    const { restarted, spec } = await killedMidway(defender);
    const [orphan] = await restarted.orphans();
    const remaining = spec.items.filter((i) => orphan.value.results[i.hash.value] === undefined);

    const outcome = await bulkBlock(deps(defender.api).deps, { ...spec, items: remaining, verify: orphan.value.inFlight }, delegation, async () => undefined);

    expect(outcome).toMatchObject({ kind: 'finished', progress: { total: 700, blocked: 200 } });
    const failures = outcome.kind === 'finished' ? outcome.progress.failures : [];
    expect(failures).toHaveLength(500);
    expect(failures[0].reason).toMatch(/^outcome unknown: sent before the bot restarted/);
    expect(defender.imports.slice(2).flat()).toEqual(
      items(1200)
        .slice(1000)
        .map((i) => i.hash.value),
    );
  });

  it('counts only jobs still holding their lease against the per-user cap', async () => {
    let time = 0;
    const now = () => new Date(time);
    const jobs = new BulkJobs(new MemoryStore({ now }), now, 10_000);
    await jobs.start('a', 'owner-ana', { items: items(1), options: { action: 'Block' }, caller });
    expect(await jobs.running('owner-ana')).toBe(1);
    expect(await jobs.running('owner-ben')).toBe(0);
    time += 10_001;
    expect(await jobs.running('owner-ana')).toBe(0);
  });
});

describe('bulkBlock: a connection reset after an import was sent', () => {
  it('asks Defender which hashes of that batch landed, counts those as blocked, reports the rest, and sends nothing twice', async () => {
    const defender = statefulDefender({ resetOnImport: { call: 2, applied: 200 } });

    const outcome = await bulkBlock(deps(defender.api).deps, { items: items(1200), caller }, delegation, async () => undefined);

    expect(outcome).toMatchObject({ kind: 'finished', progress: { total: 1200, blocked: 900 } });
    const failures = outcome.kind === 'finished' ? outcome.progress.failures : [];
    expect(failures.map((f) => f.hash.value)).toEqual(
      items(1200)
        .slice(700, 1000)
        .map((i) => i.hash.value),
    );
    expect(failures[0].reason).toBe('not blocked: the connection broke after the batch was sent and Defender has no block for it; send it again');
    expect(defender.lookups).toEqual([
      items(1200)
        .slice(500, 1000)
        .map((i) => i.hash.value),
    ]);
    expect(defender.imports.map((batch) => batch.length)).toEqual([500, 500, 200]);
  });

  it('reports the batch as unknown when Defender cannot be asked either', async () => {
    const defender = statefulDefender({ resetOnImport: { call: 1, applied: 10 }, lookupFails: true });

    const outcome = await bulkBlock(deps(defender.api).deps, { items: items(3), caller }, delegation, async () => undefined);

    const failures = outcome.kind === 'finished' ? outcome.progress.failures : [];
    expect(failures.map((f) => f.reason)).toEqual(Array.from({ length: 3 }, () => expect.stringMatching(/^outcome unknown: the connection broke/)));
    expect(defender.imports).toHaveLength(1);
  });
});

describe('precheckBulk', () => {
  it('asks Defender once for the whole list and flags the hashes that already have an indicator', async () => {
    const defender = statefulDefender();
    defender.indicators.add(hash(2).value);

    const flags = await precheckBulk(deps(defender.api).deps, items(30), delegation);

    expect(defender.lookups).toEqual([items(30).map((i) => i.hash.value)]);
    expect(flags).toEqual([{ hash: hash(2), concerns: [{ kind: 'existingBlock', status: blockedStatus(hash(2).value) }] }]);
    const texts = cardTexts(bulkPrecheckReply(flags, 30, { allId: 'all', restId: 'rest' }).card.content);
    expect(texts).toEqual(expect.arrayContaining(['Check before blocking: 1 of 30 hashes need a look', hash(2).value, 'Nothing has been sent to Defender yet.']));
  });

  it('flags every hash as unchecked when the lookup fails, rather than letting them through', async () => {
    const defender = statefulDefender({ lookupFails: true });

    const flags = await precheckBulk(deps(defender.api).deps, items(3), delegation);

    expect(flags.map((f) => f.concerns)).toEqual(Array.from({ length: 3 }, () => [{ kind: 'existingUnchecked', reason: 'Too many requests' }]));
  });

  it('checks signer and prevalence for a short list, as a single block does', async () => {
    const defender = statefulDefender();
    const api = {
      ...defender.api,
      fileDetails: async (h: FileHash) => (h.value === hash(1).value ? { info: { signer: 'Microsoft Windows' }, stats: { orgPrevalence: 5000 } } : {}),
    } as DefenderApi;

    const flags = await precheckBulk(deps(api).deps, items(2), delegation);

    expect(flags).toEqual([
      {
        hash: hash(1),
        concerns: [
          { kind: 'microsoftSigned', signer: 'Microsoft Windows' },
          { kind: 'widespread', orgPrevalence: 5000, threshold: 100 },
        ],
      },
    ]);
  });
});
