import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { DirectoryRole } from '../../src/domain/roles';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b';
const DEVICES = [
  { id: 'm-1', computerDnsName: 'HR-LT-001', osPlatform: 'Windows11', lastSeen: '2026-11-30T10:00:00Z' },
  { id: 'm-2', computerDnsName: 'HR-LT-002', osPlatform: 'Windows10', lastSeen: '2026-11-30T11:00:00Z' },
];

const headline = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] ?? '';
  } catch {
    return '';
  }
};

describe('a containment job lives in the store: it survives a restart and one instance drives it at a time', () => {
  let rig: Rig;
  const posts = () => rig.defender.requestsTo('POST', /\/StopAndQuarantineFile$/i);
  const reads = () => rig.defender.requestsTo('GET', /^\/api\/machineactions\//i);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { CONTAIN_POLL_SECONDS: '1', SWEEP_SECONDS: '1', FOLLOW_UP_AFTER_MINUTES: '0' } });
  });
  afterAll(() => rig.stop());
  beforeEach(async () => {
    rig.connector.clear();
    rig.defender.reset();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 2 }, DEVICES);
  });

  async function contain(): Promise<{ cardId: string; actionIds: string[] }> {
    const activity = messageActivity(rig.connector.serviceUrl, `contain ${SHA1} ransomware note`);
    expect((await rig.send(activity)).status).toBe(200);
    const card = await rig.reply(activity);
    expect(replyTexts(card)[0]).toBe('Stop & quarantine: sending to 2 devices');
    await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 2);
    return { cardId: messageId(card), actionIds: rig.defender.machineActions().map((a) => a.id) };
  }

  const finalUpdates = (cardId: string) =>
    rig.connector.requests.filter((r) => r.method === 'PUT' && r.activityId === cardId && headline(r) === 'Stopped & quarantined on 2 devices');

  it('is picked up after a restart in the middle of tracking and finishes on the same card, sending nothing twice', async () => {
    const { cardId, actionIds } = await contain();
    await rig.defender.waitForRequests('GET', /^\/api\/machineactions\//i, 2);
    await rig.restart();
    for (const id of actionIds) rig.defender.setMachineActionStatus(id, 'Succeeded');
    const done = await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === cardId && headline(r) === 'Stopped & quarantined on 2 devices', 15_000);
    expect(replyTexts(done).filter((t) => t === 'Succeeded: stopped and quarantined')).toHaveLength(2);
    expect(posts()).toHaveLength(2);
    expect(reads().every((r) => r.claims?.oid === ANA.aadObjectId)).toBe(true);
  });

  it('three instances on one store all try to drive the job: exactly one drives each step (one read per action, one final update)', async () => {
    const { cardId, actionIds } = await contain();
    for (const id of actionIds) rig.defender.setMachineActionStatus(id, 'Succeeded');
    const config = loadConfig(rig.env);
    const others: RunningApp[] = await Promise.all([startApp(config, createLogger(config.logLevel)), startApp(config, createLogger(config.logLevel))]);
    let stopped = false;
    try {
      await rig.connector.waitFor((r) => finalUpdates(cardId).includes(r), 15_000);
      // Stopping drains every instance's steps still under way, so a second driver would have shown by now.
      await Promise.all(others.map((app) => app.stop()));
      stopped = true;
      await rig.restart();
      expect(finalUpdates(cardId)).toHaveLength(1);
      expect(posts()).toHaveLength(2);
      expect(actionIds.map((id) => reads().filter((r) => r.path.endsWith(id)).length)).toEqual([1, 1]);
    } finally {
      if (!stopped) await Promise.all(others.map((app) => app.stop()));
    }
  });

  it('says tracking is paused while the analyst is signed out (no token without a turn), and resumes by itself after they sign in', async () => {
    const { cardId, actionIds } = await contain();
    const signOut = messageActivity(rig.connector.serviceUrl, 'sign out');
    expect((await rig.send(signOut)).status).toBe(200);
    await rig.reply(signOut);
    const paused = await rig.connector.waitFor(
      (r) => r.method === 'PUT' && r.activityId === cardId && replyTexts(r).some((t) => t.startsWith('Tracking paused: Ana Analyst is not signed in to the bot any more')),
      10_000,
    );
    expect(headline(paused)).toBe('Stop & quarantine running: 0 of 2 devices done, 2 still pending');
    const readsWhilePaused = reads().length;
    for (const id of actionIds) rig.defender.setMachineActionStatus(id, 'Succeeded');
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const done = await rig.connector.waitFor((r) => finalUpdates(cardId).includes(r), 15_000);
    expect(replyTexts(done).some((t) => t.startsWith('Tracking paused'))).toBe(false);
    expect(reads().length).toBeGreaterThan(readsWhilePaused);
    expect(posts()).toHaveLength(2);
  });
});
