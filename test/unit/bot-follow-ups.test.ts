import type { ConversationReference, TurnContext } from 'botbuilder';
import { BackgroundWork } from '../../src/bot/background-work';
import { FollowUps } from '../../src/bot/follow-ups';
import type { UserSessions } from '../../src/bot/user-sessions';
import type { FileStatus } from '../../src/domain/file-status';
import type { Logger } from '../../src/domain/ports';
import { MemoryAuditLog } from '../../src/storage/memory-audit-log';
import { MemoryStore } from '../../src/storage/memory-store';
import { cardTexts } from '../fixtures/card-texts';
import { ScriptedDefender } from '../fakes/scripted-defender';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const ANA = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 't1' };
const AFTER_MS = 2 * 60 * 60_000;

describe('follow-ups: waking up when they fall due', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T09:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('keeps one timer for any number of scheduled follow-ups, sweeps once for those due close together, and posts each once', async () => {
    const posted: string[] = [];
    const now = () => new Date();
    const store = new MemoryStore({ now });
    const background = new BackgroundWork(quiet);
    // No session when the check runs: each follow-up is posted as "not checked", naming its file.
    const sessions = { open: async () => ({ ok: false }) } as unknown as UserSessions;
    const followUps = new FollowUps({
      check: { defender: new ScriptedDefender({ kind: 'indicators' }), audit: new MemoryAuditLog({ now }), store, now },
      sessions,
      proactive: async (_where, logic) => {
        await logic({
          sendActivity: async (activity: { attachments?: Array<{ content: unknown }> }) => {
            posted.push(cardTexts(activity.attachments?.[0]?.content).join(' '));
            return { id: `${posted.length}` };
          },
        } as unknown as TurnContext);
      },
      background,
      logger: quiet,
      owner: 'instance-1',
      afterMs: AFTER_MS,
      newId: (() => {
        let n = 0;
        return () => `id-${++n}`;
      })(),
    });
    const hashes = Array.from({ length: 300 }, (_, i) => i.toString(16).padStart(40, '0'));
    for (const value of hashes) {
      const status: FileStatus = { fileIdentifier: value, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked', confirmed: true, source: 'indicators' };
      await followUps.schedule({ conversation: { id: 'c1' } } as Partial<ConversationReference>, { hash: { value, type: 'Sha1' }, comment: 'dropper', caller: ANA, status });
      jest.advanceTimersByTime(10);
    }
    expect(jest.getTimerCount()).toBe(1);
    const sweeps = jest.spyOn(followUps, 'sweep');

    jest.advanceTimersByTime(AFTER_MS + 20_000);
    await background.drain(60_000);
    expect(posted).toHaveLength(hashes.length);
    expect(hashes.every((hash) => posted.filter((text) => text.includes(hash)).length === 1)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    // 300 blocks over 3 s, two hours before: one or two 10-second wake-ups, not 300.
    expect(sweeps.mock.calls.length).toBeLessThanOrEqual(2);
    followUps.stop();
  });
});
