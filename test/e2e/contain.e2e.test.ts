import { DirectoryRole } from '../../src/domain/roles';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, RILEY, executeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { INDICATORS_AUDIENCE, replyTexts, startRig, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const RESTORE = 'MpCmdRun.exe -Restore -Name EUS:Win32/CustomEnterpriseBlock -All';
const windows = (n: number, prefix = 'FIN-LT') =>
  Array.from({ length: n }, (_, i) => ({
    id: `m-${prefix}-${i + 1}`,
    computerDnsName: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    osPlatform: 'Windows11',
    lastSeen: '2026-11-30T10:00:00Z',
  }));

const headline = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] ?? '';
  } catch {
    return '';
  }
};

describe('contain: stop & quarantine on the devices that have the file (real HTTP, OBO)', () => {
  let rig: Rig;
  const posts = () => rig.defender.requestsTo('POST', /\/StopAndQuarantineFile$/i);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { CONTAIN_POLL_SECONDS: '1', CONTAIN_CONFIRM_DEVICES: '3', FOLLOW_UP_AFTER_MINUTES: '0', ROLE_CACHE_SECONDS: '0' } });
  });
  afterAll(() => rig.stop());
  beforeEach(async () => {
    rig.connector.clear();
    rig.defender.reset();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });

  async function say(text: string, user: TeamsUser = ANA): Promise<{ activity: Record<string, unknown>; reply: ConnectorRequest }> {
    const activity = messageActivity(rig.connector.serviceUrl, text, { user });
    expect((await rig.send(activity)).status).toBe(200);
    return { activity, reply: await rig.reply(activity) };
  }

  /** The progress card's updates, once one says `final`. */
  async function finalCard(cardId: string, final: RegExp, timeoutMs = 20_000): Promise<ConnectorRequest> {
    return rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === cardId && final.test(headline(r)), timeoutMs);
  }

  it('blocks, then "Stop & quarantine where seen" contains each device with the analyst\'s token and the right body, until every action is final', async () => {
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 3 }, windows(3));
    for (const d of windows(3)) rig.defender.scriptMachineAction(d.id, ['InProgress', 'Succeeded']);
    const { reply: blocked } = await say(`block ${SHA1} dropper from alert 42`);
    expect(headline(blocked)).toMatch(/blocked/i);
    const button = buttons(cardOf(blocked))['Stop & quarantine where seen'];
    expect(button?.verb).toBe('contain.offer');
    expect(posts()).toHaveLength(0);

    rig.connector.clear();
    const press = executeActivity(rig.connector.serviceUrl, messageId(blocked), button.verb!, button.data!);
    const answer = await rig.send(press);
    expect(answer.status).toBe(200);
    const progress = await rig.reply(press);
    const first = replyTexts(progress);
    expect(first[0]).toBe('Stop & quarantine: sending to 3 devices');
    expect(first).toEqual(expect.arrayContaining(['FIN-LT-001', 'FIN-LT-002', 'FIN-LT-003']));
    expect(first.join('\n')).toContain(RESTORE);

    const done = await finalCard(messageId(progress), /^Stopped & quarantined on 3 devices$/);
    const texts = replyTexts(done);
    expect(texts.filter((t) => t === 'Succeeded: stopped and quarantined')).toHaveLength(3);
    expect(posts().map((p) => [p.path, p.body, p.claims?.oid, p.claims?.aud, p.status])).toEqual(
      windows(3).map((d) => [`/api/machines/${d.id}/StopAndQuarantineFile`, { Comment: 'dropper from alert 42', Sha1: SHA1 }, ANA.aadObjectId, INDICATORS_AUDIENCE, 201]),
    );
    const reads = rig.defender.requestsTo('GET', /^\/api\/(files\/[^/]+\/machines|machineactions\/)/i);
    expect(reads.every((r) => r.claims?.oid === ANA.aadObjectId)).toBe(true);

    rig.connector.clear();
    const { reply: history } = await say(`history ${SHA1}`);
    const lines = replyTexts(history);
    // History shows a few rows per card: page through with More, as a phone user would.
    for (let page = cardOf(history), more = buttons(page).More; more; more = buttons(page).More) {
      const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(history), more.verb!, more.data!));
      page = (answer.body as { value: Record<string, unknown> }).value;
      lines.push(...cardTexts(page));
    }
    expect(lines.filter((t) => t === 'Stop & quarantine: done')).toHaveLength(3);
    expect(lines.filter((t) => t === 'Stop & quarantine: requested')).toHaveLength(3);
    expect(lines.join('\n')).toContain('FIN-LT-002: stop & quarantine Succeeded');
  });

  it('resolves a SHA-256 to its SHA-1 first, counts "already in progress" as pending, names an unsupported device, and rides out a 429', async () => {
    const sha256 = 'b'.repeat(64);
    const devices = [...windows(2), { id: 'm-lnx', computerDnsName: 'LNX-SRV-009', osPlatform: 'Linux', lastSeen: '2026-11-29T10:00:00Z' }];
    rig.defender.seedDevices({ sha1: SHA1, sha256, orgPrevalence: 3 }, devices);
    rig.defender.setDeviceRefusal('m-FIN-LT-2', 'already-in-progress');
    rig.defender.scriptMachineAction('m-FIN-LT-1', ['Succeeded']);
    rig.defender.throttleStopAndQuarantine(1, 1);
    const { reply } = await say(`quarantine ${sha256} seen in phishing`);
    expect(headline(reply)).toBe('Stop & quarantine: sending to 3 devices');
    const resolved = rig.defender.requestsTo('GET', new RegExp(`^/api/files/${sha256}$`, 'i'));
    const listed = rig.defender.requestsTo('GET', new RegExp(`^/api/files/${SHA1}/machines$`, 'i'));
    expect(resolved).toHaveLength(1);
    expect(listed).toHaveLength(1);
    expect(resolved[0].at).toBeLessThanOrEqual(listed[0].at);

    const end = await finalCard(messageId(reply), /^Stop & quarantine finished/);
    expect(headline(end)).toBe('Stop & quarantine finished: 1 of 3 devices done, 1 refused, 1 still pending');
    const texts = replyTexts(end).join('\n');
    expect(texts).toContain('Pending: an earlier stop & quarantine is still running on this device.');
    expect(texts).toContain('Not supported on this device');
    expect(texts).toContain('Succeeded: stopped and quarantined');
    const sent = posts();
    expect(sent.map((p) => p.status)).toEqual(expect.arrayContaining([429, 201]));
    expect(sent.filter((p) => p.status === 201)).toHaveLength(1);
    expect(sent.every((p) => (p.body as { Sha1?: string }).Sha1 === SHA1)).toBe(true);
  });

  it('above CONTAIN_CONFIRM_DEVICES shows the devices and sends nothing until the analyst confirms', async () => {
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 5 }, windows(5));
    const { reply } = await say(`contain ${SHA1} outbreak`);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('Stop & quarantine on 5 devices? Nothing sent yet');
    expect(texts).toEqual(expect.arrayContaining(['FIN-LT-001', 'FIN-LT-005', 'last seen 2026-11-30 10:00:00 UTC · Windows11']));
    expect(posts()).toHaveLength(0);
    const confirm = buttons(cardOf(reply))['Contain 5 devices'];
    const press = executeActivity(rig.connector.serviceUrl, messageId(reply), confirm.verb!, confirm.data!);
    expect((await rig.send(press)).status).toBe(200);
    await finalCard(messageId(reply), /^Stop & quarantine running|^Stopped/);
    await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 5);
    expect(posts()).toHaveLength(5);
    const again = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(reply), confirm.verb!, confirm.data!));
    expect(again.status).toBe(200);
    expect(posts()).toHaveLength(5);
  });

  it('says plainly that nothing was done when no device has the file', async () => {
    rig.defender.seedFile({ sha1: SHA1 });
    const { reply } = await say(`contain ${SHA1} nothing there`);
    expect(headline(reply)).toBe('Nothing to contain: no device has this file');
    expect(posts()).toHaveLength(0);
  });

  it("refuses a Security Reader, and another person pressing the analyst's confirmation or a made-up offer sends nothing", async () => {
    rig.defender.seedDevices({ sha1: SHA1, orgPrevalence: 5 }, windows(5));
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    const { reply: refused } = await say(`contain ${SHA1} not mine to do`, RILEY);
    expect(headline(refused)).toBe('Not allowed: you need a directory role');
    expect(rig.defender.requestsTo('GET', /machines/i)).toEqual([]);

    const { reply } = await say(`contain ${SHA1} outbreak`);
    const confirm = buttons(cardOf(reply))['Contain 5 devices'];
    const stolen = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(reply), confirm.verb!, confirm.data!, { user: RILEY }));
    expect(stolen.status).toBe(200);
    expect(JSON.stringify(stolen.body)).toContain('Only the person who asked can answer this');
    const forged = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(reply), 'contain.offer', { offerId: 'made-up' }, { user: RILEY }));
    expect(JSON.stringify(forged.body)).toContain('This button is no longer valid');
    expect(posts()).toEqual([]);
  });
});
