import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreKey } from '../../src/domain/store-keys';
import type { AuditEntry } from '../../src/domain/ports';
import { openDatabase } from '../../src/storage/sqlite-database';
import { FakeConnector, type ConnectorRequest } from '../fakes/fake-connector';
import { messageActivity, type TeamsUser } from '../fixtures/activities';
import { compileBot, ROOT, startCompiledBot, type CompiledBot } from './compiled-bot';
import { replyTexts } from './rig';

const BUILD = path.join(ROOT, '.e2e-build-durable');
const TOTAL = 200;
const IN_FLIGHT = 32;
const KILL_AFTER_REPLIES = 40;

/** Analyst `i`, alone in a personal chat: each activity is its own conversation, so turns run side by side. */
function analyst(i: number): TeamsUser {
  const n = String(i).padStart(12, '0');
  return { id: `29:1durable-${i}`, name: `Durable Analyst ${i}`, aadObjectId: `d0d0d0d0-0000-4000-8000-${n}` };
}

interface Bot extends CompiledBot {
  readonly url: string;
}

/** The compiled bot in local mode on `dataDir`, resolved once it says it is listening. */
async function startBot(dataDir: string): Promise<Bot> {
  const bot = await startCompiledBot(BUILD, { DATA_DIR: dataDir });
  return { ...bot, url: `http://127.0.0.1:${bot.port}` };
}

/** Posts every activity with at most `inFlight` POSTs open; stops taking new ones once `stop()` is true. */
async function deliver(url: string, activities: readonly Record<string, unknown>[], inFlight: number, stop: () => boolean = () => false): Promise<Array<number | 'failed'>> {
  const statuses: Array<number | 'failed'> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < activities.length && !stop()) {
      const i = next++;
      statuses[i] = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activities[i]),
      }).then(
        (res) => res.status,
        () => 'failed' as const,
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return statuses;
}

/** The hash each "File blocked" card the connector received was about, one entry per card. */
function blockedHashes(connector: FakeConnector, hashes: ReadonlySet<string>): string[] {
  return connector.requests.flatMap((request: ConnectorRequest) => {
    const texts = replyTexts(request);
    if (request.method !== 'POST' || texts[0] !== 'File blocked') return [];
    return texts.filter((text) => hashes.has(text));
  });
}

interface DiskState {
  /** `block` audit entries per hash. */
  readonly blocks: Map<string, AuditEntry[]>;
  /** Dedupe claims (store keys) present. */
  readonly claims: Set<string>;
}

/** Reads the database file as the bot left it (opening it recovers the WAL, as a restart would). */
function readDisk(dataDir: string): DiskState {
  const db = openDatabase(dataDir);
  try {
    const blocks = new Map<string, AuditEntry[]>();
    for (const row of db.prepare('SELECT entry FROM audit ORDER BY seq').all() as Array<{ entry: string }>) {
      const entry = JSON.parse(row.entry) as AuditEntry;
      // The intent (`requested`, written before Defender is called) is not an outcome: count outcomes only.
      if (entry.action !== 'block' || !entry.hash || entry.outcome === 'requested') continue;
      blocks.set(entry.hash, [...(blocks.get(entry.hash) ?? []), entry]);
    }
    const claims = new Set((db.prepare('SELECT key FROM once').all() as Array<{ key: string }>).map((row) => row.key));
    return { blocks, claims };
  } finally {
    db.close();
  }
}

describe('local storage survives SIGKILL: what a reply says is done is on disk', () => {
  let workDir: string;
  let before: FakeConnector;
  let after: FakeConnector;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durability-'));
    compileBot(BUILD);
    before = await new FakeConnector({ anonymous: true }).start();
    after = await new FakeConnector({ anonymous: true }).start();
  }, 120_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await before?.close();
    await after?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(BUILD, { recursive: true, force: true });
  });

  it('every replied block has its audit entry and dedupe claim; re-delivery after the restart acts on none of them again', async () => {
    const dataDir = path.join(workDir, 'data');
    const hashes = Array.from({ length: TOTAL }, (_, i) => createHash('sha1').update(`durable ${i}`).digest('hex'));
    const hashSet = new Set(hashes);
    const activities = hashes.map((hash, i) => messageActivity(before.serviceUrl, `block ${hash} durable ${i}`, { id: `durable-${i}`, user: analyst(i) }));

    const first = await startBot(dataDir);
    children.push(first.child);
    let killed = false;
    const sending = deliver(first.url, activities, IN_FLIGHT, () => killed);
    await before.waitFor(() => blockedHashes(before, hashSet).length >= KILL_AFTER_REPLIES, 60_000);
    killed = true;
    first.child.kill('SIGKILL');
    await first.closed;
    await sending;
    expect(first.child.signalCode).toBe('SIGKILL');
    const repliedAtKill = new Set(blockedHashes(before, hashSet));
    expect(repliedAtKill.size).toBeGreaterThanOrEqual(KILL_AFTER_REPLIES);
    expect(repliedAtKill.size).toBeLessThan(TOTAL);

    const crash = readDisk(dataDir);
    const claimKey = (activity: Record<string, unknown>): string =>
      StoreKey.activity(activity.channelId as string, (activity.conversation as { id: string }).id, activity.id as string);
    for (const [hash, entries] of crash.blocks) {
      expect(entries).toHaveLength(1);
      expect(crash.claims.has(claimKey(activities[hashes.indexOf(hash)]))).toBe(true);
    }

    // Teams re-sends every activity (same id, same conversation); the replies now land on a second connector.
    const second = await startBot(dataDir);
    children.push(second.child);
    const again = activities.map((activity) => ({ ...activity, serviceUrl: after.serviceUrl }));
    const unclaimed = hashes.filter((_, i) => !crash.claims.has(claimKey(activities[i])));
    const statuses = await deliver(second.url, again, IN_FLIGHT);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    if (unclaimed.length > 0) await after.waitFor(() => blockedHashes(after, hashSet).length >= unclaimed.length, 30_000);
    second.child.kill('SIGTERM');
    await second.closed;

    // Every card the killed bot sent, however late it reached the connector.
    const replied = new Set(blockedHashes(before, hashSet));
    const repliedAgain = blockedHashes(after, hashSet);
    const final = readDisk(dataDir);

    // (a) a reply means a `done` block entry and the dedupe claim were on disk at the kill.
    for (const hash of replied) {
      expect({ hash, outcomes: crash.blocks.get(hash)?.map((entry) => entry.outcome) }).toEqual({ hash, outcomes: ['done'] });
      expect({ hash, claimed: crash.claims.has(claimKey(activities[hashes.indexOf(hash)])) }).toEqual({ hash, claimed: true });
    }
    // (b) nothing claimed before the kill acts again; what was never claimed is acted on exactly once.
    expect(repliedAgain.filter((hash) => replied.has(hash))).toEqual([]);
    expect([...repliedAgain].sort()).toEqual([...unclaimed].sort());
    for (const hash of hashes) {
      const entries = final.blocks.get(hash) ?? [];
      expect({ hash, entries: entries.length }).toEqual({ hash, entries: crash.blocks.has(hash) || unclaimed.includes(hash) ? 1 : 0 });
    }
    for (const hash of replied) expect(final.blocks.get(hash)?.map((entry) => entry.id)).toEqual(crash.blocks.get(hash)?.map((entry) => entry.id));
  }, 180_000);
});
