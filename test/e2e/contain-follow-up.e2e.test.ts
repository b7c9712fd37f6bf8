import { DirectoryRole } from '../../src/domain/roles';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d';
const UNDONE = '4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e';

const headline = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] ?? '';
  } catch {
    return '';
  }
};
const isFollowUp = (r: ConnectorRequest) => r.method === 'POST' && headline(r).startsWith('Follow-up');

describe('the follow-up after a block, in the channel thread it was asked in (FOLLOW_UP_AFTER_SECONDS)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { FOLLOW_UP_AFTER_SECONDS: '2', CONTAIN_POLL_SECONDS: '1', SWEEP_SECONDS: '1', ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  it('posts once in the thread: still in force, devices seen since, and Contain now; an undone block gets none; a restart posts nothing twice', async () => {
    const soon = new Date(Date.now() + 60 * 60_000).toISOString();
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 2 }, [
      { id: 'm-x', computerDnsName: 'LAB-PC-001', osPlatform: 'Windows11', lastSeen: soon },
      { id: 'm-y', computerDnsName: 'LAB-PC-002', osPlatform: 'Windows11', lastSeen: soon },
    ]);
    rig.defender.seedDevices({ sha1: UNDONE, orgPrevalence: 1 }, [{ id: 'm-z', computerDnsName: 'LAB-PC-003', osPlatform: 'Windows11', lastSeen: soon }]);

    // A block that is undone at once: its follow-up (due first) is dropped.
    const undone = messageActivity(rig.connector.serviceUrl, `block ${UNDONE} false positive soon`, { kind: 'channel' });
    expect((await rig.send(undone)).status).toBe(200);
    const undoneCard = await rig.reply(undone);
    const undo = buttons(cardOf(undoneCard)).Undo;
    const pressUndo = executeActivity(rig.connector.serviceUrl, messageId(undoneCard), undo.verb!, undo.data!, { kind: 'channel' });
    pressUndo.conversation = undone.conversation;
    expect(cardTexts(((await rig.send(pressUndo)).body as { value: unknown }).value)[0]).toMatch(/undone|lifted/i);

    const asked = messageActivity(rig.connector.serviceUrl, `block ${SHA1} dropper in the lab`, { kind: 'channel' });
    const thread = (asked.conversation as { id: string }).id;
    expect(thread).toMatch(/;messageid=/);
    expect((await rig.send(asked)).status).toBe(200);
    expect(headline(await rig.reply(asked))).toMatch(/blocked/i);

    const followUp = await rig.connector.waitFor((r) => isFollowUp(r) && r.conversationId === thread, 15_000);
    const texts = replyTexts(followUp);
    expect(texts[0]).toBe('Follow-up: the block is still in force');
    expect(texts.join('\n')).toContain('The file has been seen on 2 devices since the block.');
    expect(texts).toEqual(expect.arrayContaining(['Blocked by: Ana Analyst', 'Devices seen since: 2', 'No stop & quarantine was run for this file.']));
    const containNow = buttons(cardOf(followUp))['Contain now (2 devices)'];
    expect(containNow?.verb).toBe('contain.offer');
    expect(rig.connector.requests.filter((r) => isFollowUp(r) && r.conversationId === (undone.conversation as { id: string }).id)).toEqual([]);

    // Restarting drains and restarts the sweeps: the follow-up stays posted once.
    await rig.restart();
    rig.connector.clear();
    const press = executeActivity(rig.connector.serviceUrl, messageId(followUp), containNow.verb!, containNow.data!, { kind: 'channel' });
    press.conversation = asked.conversation;
    expect((await rig.send(press)).status).toBe(200);
    const progress = await rig.connector.waitFor((r) => r.method === 'POST' && r.conversationId === thread && headline(r).startsWith('Stop & quarantine'), 10_000);
    expect(replyTexts(progress)).toEqual(expect.arrayContaining(['LAB-PC-001', 'LAB-PC-002']));
    await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 2);
    await rig.restart();
    expect(rig.connector.requests.filter(isFollowUp)).toEqual([]);
  });
});
