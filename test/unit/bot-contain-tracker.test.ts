import { TestAdapter, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { BackgroundWork } from '../../src/bot/background-work';
import { ContainTracker } from '../../src/bot/contain-tracker';
import type { Proactive } from '../../src/bot/continuation';
import type { SessionResult, UserSessions } from '../../src/bot/user-sessions';
import { createJob, findJob } from '../../src/domain/contain-jobs';
import { newJob, type ContainDeps } from '../../src/domain/containment';
import type { Logger } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { cardTexts } from '../fixtures/card-texts';
import { delegationOf, domainKit } from '../fixtures/domain-kit';
import { ScriptedContainment } from '../fakes/scripted-containment';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const ANA = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 't1' };
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

class RecordingAdapter extends TestAdapter {
  readonly updates: Partial<Activity>[] = [];
  override async updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    this.updates.push(activity);
  }
}

function setUp(session: SessionResult) {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator] } });
  const containment = new ScriptedContainment();
  const contain: ContainDeps = {
    roles: kit.roles,
    containment,
    audit: kit.audit,
    store: kit.store,
    now: kit.clock.now,
    api: 'indicators',
    settings: { confirmAbove: 25, pollMs: 1000, watchMs: 60_000 },
  };
  const adapter = new RecordingAdapter();
  const proactive: Proactive = async (reference, logic) => {
    await logic(new TurnContext(adapter, TurnContext.applyConversationReference({ type: 'event', name: 'continue' }, reference, true)));
  };
  const sessions: UserSessions = { open: async () => session, promptSignIn: async () => undefined, signOut: async () => undefined, signInLink: async () => undefined };
  const tracker = new ContainTracker({ contain, sessions, proactive, background: new BackgroundWork(quiet), logger: quiet, owner: 'A', leaseMs: 60_000 });
  const reference = {
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/',
    conversation: { id: 'a:1', isGroup: false, conversationType: 'personal', name: '' },
    user: { id: ANA.userId, name: ANA.name, aadObjectId: ANA.aadObjectId },
    bot: { id: '28:bot', name: 'Bot' },
  };
  const job = newJob(
    { id: 'j1', hash: { value: SHA1, type: 'Sha1' }, sha1: SHA1, comment: 'c', caller: ANA, devices: [{ id: 'm1', name: 'PC-1' }] },
    kit.clock.now(),
    contain.settings,
  );
  return { kit, containment, adapter, tracker, job: { ...job, card: { reference, activityId: 'card-1' } } };
}

describe("the containment tracker without the analyst's sign-in", () => {
  it('asks Defender nothing, says on the card that tracking is paused, and ends honestly when the watch is over', async () => {
    const { kit, containment, adapter, tracker, job } = setUp({ ok: false, reason: 'signInRequired' });
    await createJob(kit.store, job, kit.clock.now());
    tracker.stop(); // steps are driven by hand here, never by the tracker's own timers
    expect(await tracker.step('j1')).toBe(true);
    expect(containment.calls).toEqual([]);
    expect(adapter.updates.map((u) => u.id)).toEqual(['card-1']);
    const paused = cardTexts(adapter.updates[0].attachments![0].content);
    expect(paused).toContain(
      'Tracking paused: Ana Analyst is not signed in to the bot any more, so it cannot ask Defender. It resumes by itself once they sign in again (send "sign in").',
    );
    expect((await findJob(kit.store, 'j1'))?.value).toMatchObject({ phase: 'sending', paused: 'signInRequired', nextAt: kit.clock.at(1000) });

    kit.clock.advance(60_000);
    await tracker.step('j1');
    expect((await findJob(kit.store, 'j1'))?.value).toMatchObject({ phase: 'finished', watchEnded: true });
    expect(cardTexts(adapter.updates[1].attachments![0].content)[0]).toBe('Stop & quarantine: tracking ended, 1 of 1 still open');
    expect(containment.calls).toEqual([]);
  });

  it("does not act on a session of another account than the job's", async () => {
    const { kit, containment, tracker, job } = setUp({ ok: true, delegation: delegationOf({ ...ANA, aadObjectId: 'oid-mallory' }), identity: { oid: 'oid-mallory', tid: 't1' } });
    await createJob(kit.store, job, kit.clock.now());
    tracker.stop();
    await tracker.step('j1');
    expect(containment.calls).toEqual([]);
    expect((await findJob(kit.store, 'j1'))?.value.paused).toBe('signInRequired');
  });
});
