import { DirectoryRole } from '../../src/domain/roles';
import { CardVerb } from '../../src/cards/card-verbs';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, GALE, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';

const SOC_CHANNEL = '19:soc-approvals@thread.tacv2';
const SHA1 = '9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c';
const DEVICES = [
  { id: 'm-a', computerDnsName: 'OPS-LT-001', osPlatform: 'Windows11', lastSeen: '2026-11-30T10:00:00Z' },
  { id: 'm-b', computerDnsName: 'OPS-LT-002', osPlatform: 'Windows11', lastSeen: '2026-11-30T10:00:00Z' },
];

const headline = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] ?? '';
  } catch {
    return '';
  }
};

describe('block + contain as one approval request (APPROVAL_POLICY=always)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({
      defenderApi: 'indicators',
      env: { APPROVAL_POLICY: 'always', APPROVAL_CHANNEL: SOC_CHANNEL, CONTAIN_POLL_SECONDS: '1', FOLLOW_UP_AFTER_MINUTES: '0', ROLE_CACHE_SECONDS: '0' },
    });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
  });
  afterAll(() => rig.stop());

  it('the form\'s "also stop & quarantine" asks once; one approval blocks and contains, both under the approver\'s token, with the progress card in the approval thread', async () => {
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 2 }, DEVICES);
    const form = messageActivity(rig.connector.serviceUrl, 'block');
    expect((await rig.send(form)).status).toBe(200);
    const formCard = await rig.reply(form);
    expect(JSON.stringify(cardOf(formCard))).toContain('Also stop & quarantine where it is seen');

    const submit = executeActivity(rig.connector.serviceUrl, messageId(formCard), CardVerb.SubmitForm, {
      hash: SHA1,
      comment: 'worm on ops laptops',
      action: 'Block',
      contain: 'true',
    });
    expect((await rig.send(submit)).status).toBe(200);
    const approval = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(approval))[0]).toBe('Block and stop & quarantine requested: waiting for approval');
    expect(rig.defender.requestsTo('POST', /./)).toEqual([]);

    const approve = buttons(cardOf(approval))['Approve, block and contain'];
    expect(approve).toBeDefined();
    // The press comes from where the card is: the approval thread in the SOC channel.
    const press = executeActivity(rig.connector.serviceUrl, approval.activityId!, approve.verb!, approve.data!, { user: GALE, kind: 'channel' });
    press.conversation = { ...(press.conversation as object), id: approval.conversationId };
    const answer = await rig.send(press);
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Approved and blocked, stop & quarantine started');

    const progress = await rig.connector.waitFor((r) => r.method === 'POST' && r.conversationId === approval.conversationId && headline(r).startsWith('Stop & quarantine'), 10_000);
    expect(replyTexts(progress)).toEqual(expect.arrayContaining(['OPS-LT-001', 'OPS-LT-002', 'Acting as: Gale Global']));
    await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 2);
    for (const action of rig.defender.machineActions()) rig.defender.setMachineActionStatus(action.id, 'Succeeded');
    await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === messageId(progress) && headline(r) === 'Stopped & quarantined on 2 devices', 15_000);

    const block = rig.defender.requestsTo('POST', /^\/api\/indicators$/);
    const contains = rig.defender.requestsTo('POST', /\/StopAndQuarantineFile$/i);
    expect(block.map((r) => r.claims?.oid)).toEqual([GALE.aadObjectId]);
    expect(contains.map((r) => [r.claims?.oid, r.body])).toEqual(DEVICES.map(() => [GALE.aadObjectId, { Comment: 'worm on ops laptops', Sha1: SHA1 }]));
    expect(rig.defender.requestsTo('GET', /^\/api\/machineactions\//i).every((r) => r.claims?.oid === GALE.aadObjectId)).toBe(true);
  });

  it('"contain" under four eyes becomes a request; the approval stops & quarantines as the approver, nothing before it', async () => {
    rig.connector.clear();
    rig.defender.reset();
    const other = 'aa'.repeat(20);
    rig.defender.seedDevices({ sha1: other, orgPrevalence: 1 }, [{ id: 'm-c', computerDnsName: 'OPS-LT-003', osPlatform: 'Windows11', lastSeen: '2026-11-30T10:00:00Z' }]);
    const asked = messageActivity(rig.connector.serviceUrl, `contain ${other} beaconing`);
    expect((await rig.send(asked)).status).toBe(200);
    const approval = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(approval))[0]).toBe('Stop & quarantine requested: waiting for approval');
    expect(rig.defender.requestsTo('POST', /./)).toEqual([]);
    const approve = buttons(cardOf(approval))['Approve and contain'];
    const press = executeActivity(rig.connector.serviceUrl, approval.activityId!, approve.verb!, approve.data!, { user: GALE, kind: 'channel' });
    press.conversation = { ...(press.conversation as object), id: approval.conversationId };
    const answer = await rig.send(press);
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Approved and stop & quarantine started');
    const [post] = await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 1);
    expect([post.path, post.claims?.oid, post.body]).toEqual(['/api/machines/m-c/StopAndQuarantineFile', GALE.aadObjectId, { Comment: 'beaconing', Sha1: other }]);
    expect(rig.defender.requestsTo('POST', /^\/api\/indicators$/)).toEqual([]);
  });
});
