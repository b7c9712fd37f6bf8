import { createHash } from 'node:crypto';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActionActivity, RILEY, SOC_CHANNEL_ID, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { cardOf } from '../fixtures/cards';
import { BOT_APP_ID, CONNECTION, INDICATORS_AUDIENCE, startRig, upnOf, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const sha256 = (seed: string) => createHash('sha256').update(seed).digest('hex');
const A = sha256('dropper');
const B = sha256('loader');
const S = createHash('sha1').update('parent').digest('hex');
const ROOT = '1733100000001';
const THREAD = `${SOC_CHANNEL_ID};messageid=${ROOT}`;
const MO: TeamsUser = { id: '29:1mo', name: 'Mo Newcomer', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000e' };
const EVE: TeamsUser = { id: '29:1eve', name: 'Eve Elsewhere', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000f' };

/** A connector's alert as Teams hands it to a message action: HTML, a mention, entities, defanged URLs around the hashes, a code block. */
const ALERT_HTML = [
  '<p><at id="0">SOC Team</at> High severity alert: <b>Trojan:Win32/Wacatac</b> on ws-042 &amp; ws-077</p>',
  `<p>Dropped from hxxps://cdn.evil-example[.]com/${A}[.]exe (SHA256&nbsp;=&nbsp;${A})</p>`,
  `<pre><code>second stage: ${B}\nparent sha1: ${S}</code></pre>`,
  `<p>Not hashes: ${A}f, ${S.slice(0, 39)}, ticket 6d1c0c9e-5f2a-4c1b-9a8e-0b7c3d2e1f00, hxxp://198.51.100[.]7/${B.slice(0, 40)}x</p>`,
].join('');

const payload = (content = ALERT_HTML) => ({
  id: ROOT,
  createdDateTime: '2026-12-02T00:00:00.000Z',
  body: { contentType: 'html', content },
  from: { user: { id: 'a0a0a0a0-0000-4000-8000-0000000000aa', displayName: 'Alert Relay', userIdentityType: 'aadUser' } },
  linkToMessage: `https://teams.microsoft.com/l/message/${SOC_CHANNEL_ID}/${ROOT}`,
});

interface CardElement {
  type?: string;
  id?: string;
  title?: string;
  value?: string;
  items?: CardElement[];
  body?: CardElement[];
}

/** Every input of a card, depth first, in order. */
function inputs(card: CardElement): CardElement[] {
  const children = [...(card.body ?? []), ...(card.items ?? [])];
  return children.flatMap((child) => [...(child.type?.startsWith('Input.') ? [child] : []), ...inputs(child)]);
}

describe('"Block files in this message" (message action, Indicators API)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  const fetchTask = (user: TeamsUser, extra: Record<string, unknown> = {}) =>
    rig.send(messageActionActivity(rig.connector.serviceUrl, 'composeExtension/fetchTask', { commandId: 'blockFromMessage', messagePayload: payload(), ...extra }, { user }));
  const dialogOf = (body: unknown) => {
    const task = (body as { task?: { type: string; value: { title: string; card: { contentType: string; content: CardElement } } } }).task;
    expect(task?.type).toBe('continue');
    expect(task?.value.card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    return task!.value;
  };
  const submit = (user: TeamsUser, on: Record<string, boolean>, comment: string, extra: Record<string, string> = {}) =>
    messageActionActivity(
      rig.connector.serviceUrl,
      'composeExtension/submitAction',
      {
        commandId: 'blockFromMessage',
        messagePayload: payload(),
        data: {
          form: 'message-action',
          comment,
          action: 'Block',
          expires: '30d',
          severity: '',
          groups: '',
          ...Object.fromEntries(Object.entries(on).map(([h, v]) => [`h_${h}`, String(v)])),
          ...extra,
        },
      },
      { user },
    );
  const isMessage = (r: ConnectorRequest) => (r.body as { type?: string } | undefined)?.type === 'message';
  /** A posted card's texts (none for a message without a card). */
  const textsOf = (r: ConnectorRequest): string[] => {
    try {
      return cardTexts(cardOf(r));
    } catch {
      return [];
    }
  };
  /** A message (not the typing indicator the bot sends first, to learn it can post there) in the alert's thread. */
  const inThread = (r: ConnectorRequest) => r.conversationId === THREAD && isMessage(r);

  it('lists exactly the two SHA-256 and the one SHA-1 of an alert, each toggled on, with the comment prefilled from the message', async () => {
    const answer = await fetchTask(ANA);
    expect(answer.status).toBe(200);
    const dialog = dialogOf(answer.body);
    expect(dialog.title).toBe('Block files in this message');
    const toggles = inputs(dialog.card.content).filter((i) => i.type === 'Input.Toggle');
    expect(toggles.map((t) => [t.id, t.title, t.value])).toEqual([
      ['contain', 'Also stop & quarantine where it is seen', 'false'],
      [`h_${A}`, `SHA-256 ${A}`, 'true'],
      [`h_${B}`, `SHA-256 ${B}`, 'true'],
      [`h_${S}`, `SHA-1 ${S}`, 'true'],
    ]);
    const comment = inputs(dialog.card.content).find((i) => i.id === 'comment');
    expect(comment?.value).toBe("From Alert Relay's message: @SOC Team High severity alert: Trojan:Win32/Wacatac on ws-042 & ws-077");
    expect(inputs(dialog.card.content).map((i) => i.id)).toEqual(expect.arrayContaining(['action', 'expires', 'severity', 'groups']));
    expect(cardTexts(dialog.card.content)[0]).toBe("3 files found in Alert Relay's message");
    expect(rig.defender.requestsTo('POST', /indicators/)).toEqual([]);
  });

  it('a message without a hash gets a task message saying so', async () => {
    const answer = await rig.send(
      messageActionActivity(
        rig.connector.serviceUrl,
        'composeExtension/fetchTask',
        { commandId: 'blockFromMessage', messagePayload: payload('<p>lunch at noon?</p>') },
        { user: ANA },
      ),
    );
    expect(answer.body).toEqual({ task: { type: 'message', value: 'No SHA-1, SHA-256 or MD5 hash was found in this message. Nothing was blocked.' } });
  });

  it('without a token, answers `auth` with the sign-in link; the invoke Teams re-sends with the magic code in `state` gets the dialog', async () => {
    const first = await fetchTask(MO);
    expect(first.status).toBe(200);
    const auth = (first.body as { composeExtension: { type: string; suggestedActions: { actions: { type: string; value: string; title: string }[] } } }).composeExtension;
    expect(auth.type).toBe('auth');
    expect(auth.suggestedActions.actions).toEqual([{ type: 'openUrl', title: 'Sign in', value: rig.tokens.signInStates.at(-1)?.signInLink }]);
    expect(rig.tokens.signInStates.at(-1)?.state).toMatchObject({ connectionName: CONNECTION, msAppId: BOT_APP_ID });

    rig.tokens.magicCode(MO.id, CONNECTION, '482913', await rig.ssoToken(MO));
    rig.graph.setRoles(MO.aadObjectId, [DirectoryRole.SecurityAdministrator]);
    const again = await fetchTask(MO, { state: '482913' });
    expect(inputs(dialogOf(again.body).card.content).filter((i) => i.type === 'Input.Toggle' && i.id?.startsWith('h_'))).toHaveLength(3);
  });

  it("a magic code that signs in another person's account is refused (and signed out): no dialog", async () => {
    rig.tokens.signInWithAccountOf({ user: EVE.id, account: ANA.id, connectionName: CONNECTION, magicCode: '777111' });
    const answer = await fetchTask(EVE, { state: '777111' });
    const task = (answer.body as { task: { type: string; value: string } }).task;
    expect(task.type).toBe('message');
    expect(task.value).toMatch(/^Nothing was blocked: wrong account You are signed in as ana@contoso\.example, but this Teams account is Eve Elsewhere/);
    expect(rig.tokens.signedOut(EVE.id, CONNECTION)).toBe(true);
  });

  it("blocks the two toggled on (of three) with the analyst's token and posts the result in the message's thread; a re-delivery does not act again", async () => {
    const activity = submit(ANA, { [A]: true, [B]: false, [S]: true }, 'Wacatac from alert 4711');
    const answer = await rig.send(activity);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ task: { type: 'message', value: 'Working on 2 files: the result is posted as a reply to the message. Nothing is blocked until it says so.' } });

    const done = await rig.connector.waitFor((r) => r.method === 'PUT' && inThread(r) && cardTexts(cardOf(r))[0].startsWith('Bulk block done'), 15_000);
    expect(cardTexts(cardOf(done))[0]).toBe('Bulk block done: 2 files blocked');
    const started = rig.connector.requests.find((r) => r.method === 'POST' && inThread(r));
    expect(started).toMatchObject({ path: `/v3/conversations/${encodeURIComponent(THREAD)}/activities/${ROOT}`, status: 201 });
    expect(rig.connector.requests.filter((r) => r.method === 'POST' && r.conversationId !== THREAD)).toEqual([]);

    const imports = rig.defender.requestsTo('POST', /\/indicators\/import$/);
    expect(imports).toHaveLength(1);
    expect(imports[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, azp: BOT_APP_ID, oid: ANA.aadObjectId, upn: upnOf(ANA) });
    const sent = (imports[0].body as { Indicators: { indicatorValue: string; action: string; description: string }[] }).Indicators;
    expect(sent.map((i) => [i.indicatorValue, i.action, i.description])).toEqual([
      [A, 'Block', sentFromTeams('Wacatac from alert 4711', signedIn(ANA))],
      [S, 'Block', sentFromTeams('Wacatac from alert 4711', signedIn(ANA))],
    ]);

    const again = await rig.send(activity);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ task: { type: 'message', value: 'This was already received, so nothing more was done.' } });
    expect(rig.defender.requestsTo('POST', /\/indicators/)).toHaveLength(1);
  });

  it('one hash goes through the single block (its result card in the thread)', async () => {
    const answer = await rig.send(submit(ANA, { [A]: false, [B]: true, [S]: false }, 'second stage'));
    expect((answer.body as { task: { value: string } }).task.value).toMatch(/^Working on 1 file:/);
    const reply = await rig.connector.waitFor((r) => r.method === 'POST' && inThread(r), 10_000);
    expect(cardTexts(cardOf(reply))).toEqual(expect.arrayContaining(['File blocked', B]));
    const posts = rig.defender.requestsTo('POST', /^\/api\/indicators$/);
    expect(posts.map((p) => [(p.body as { indicatorValue: string }).indicatorValue, p.claims?.oid])).toEqual([[B, ANA.aadObjectId]]);
  });

  it('in a group chat, the result is a reply to the message in the chat', async () => {
    const activity = messageActionActivity(
      rig.connector.serviceUrl,
      'composeExtension/submitAction',
      { commandId: 'blockFromMessage', messagePayload: payload(), data: { comment: 'from the chat', action: 'Block', expires: '30d', [`h_${S}`]: 'true' } },
      { user: ANA, kind: 'groupChat' },
    );
    await rig.send(activity);
    const chat = (activity.conversation as { id: string }).id;
    const reply = await rig.connector.waitFor((r) => r.method === 'POST' && r.conversationId === chat && isMessage(r), 10_000);
    expect(reply.path).toBe(`/v3/conversations/${encodeURIComponent(chat)}/activities/${ROOT}`);
    expect(cardTexts(cardOf(reply))).toEqual(expect.arrayContaining(['File blocked', S]));
  });

  it("a reader's submit becomes an approval request, posted in the thread; nothing reaches Defender", async () => {
    const answer = await rig.send(submit(RILEY, { [A]: true, [B]: false, [S]: false }, 'please block, seen on ws-042'));
    expect((answer.body as { task: { value: string } }).task.value).toMatch(/^Working on 1 file:/);
    const card = await rig.connector.waitFor((r) => r.method === 'POST' && inThread(r) && cardTexts(cardOf(r))[0] === 'Block requested: waiting for approval', 10_000);
    expect(cardTexts(cardOf(card))).toEqual(expect.arrayContaining([A, 'Requested by: Riley Reader', 'please block, seen on ws-042']));
    expect(rig.defender.requestsTo('POST', /indicators/)).toEqual([]);
  });

  it('with "also stop & quarantine" on: blocks the two toggled on with the analyst\'s token, then stops & quarantines each where it is seen, the progress cards in the message\'s thread', async () => {
    const A1 = createHash('sha1').update('dropper').digest('hex');
    const device = (id: string, name: string) => ({ id, computerDnsName: name, osPlatform: 'Windows11', lastSeen: '2026-12-01T22:00:00Z' });
    rig.defender.seedDevices({ sha1: A1, sha256: A, orgPrevalence: 2 }, [device('m-ws-042', 'WS-042'), device('m-ws-077', 'WS-077')]);
    rig.defender.seedDevices({ sha1: S, orgPrevalence: 1 }, [device('m-srv-009', 'SRV-009')]);
    const answer = await rig.send(submit(ANA, { [A]: true, [B]: false, [S]: true }, 'Wacatac from alert 4712', { contain: 'true' }));
    expect((answer.body as { task: { value: string } }).task.value).toMatch(/^Working on 2 files:/);

    const sent = await rig.defender.waitForRequests('POST', /\/StopAndQuarantineFile$/i, 3, 20_000);
    const imports = rig.defender.requestsTo('POST', /\/indicators\/import$/);
    expect(imports).toHaveLength(1);
    expect(imports[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: ANA.aadObjectId });
    expect((imports[0].body as { Indicators: { indicatorValue: string }[] }).Indicators.map((i) => i.indicatorValue)).toEqual([A, S]);
    expect(Math.max(...imports.map((r) => r.at))).toBeLessThanOrEqual(Math.min(...sent.map((r) => r.at)));
    const comment = 'Wacatac from alert 4712';
    expect(sent.map((p) => [p.path, p.body, p.claims?.oid, p.claims?.aud, p.status]).sort()).toEqual(
      [
        ['/api/machines/m-srv-009/StopAndQuarantineFile', { Comment: comment, Sha1: S }, ANA.aadObjectId, INDICATORS_AUDIENCE, 201],
        ['/api/machines/m-ws-042/StopAndQuarantineFile', { Comment: comment, Sha1: A1 }, ANA.aadObjectId, INDICATORS_AUDIENCE, 201],
        ['/api/machines/m-ws-077/StopAndQuarantineFile', { Comment: comment, Sha1: A1 }, ANA.aadObjectId, INDICATORS_AUDIENCE, 201],
      ].sort(),
    );
    expect(rig.defender.requestsTo('GET', /^\/api\/files\/[^/]+\/machines$/i).map((r) => [r.path, r.claims?.oid])).toEqual([
      [`/api/files/${A1}/machines`, ANA.aadObjectId],
      [`/api/files/${S}/machines`, ANA.aadObjectId],
    ]);

    const progressOn = (device: string) =>
      rig.connector.waitFor((r) => r.method === 'POST' && inThread(r) && (textsOf(r)[0] ?? '').startsWith('Stop & quarantine: sending to') && textsOf(r).includes(device), 10_000);
    const progress = await Promise.all([progressOn('WS-042'), progressOn('SRV-009')]);
    expect(progress.map((r) => [r.path, textsOf(r).filter((t) => /^(WS|SRV)-\d+$/.test(t))])).toEqual([
      [`/v3/conversations/${encodeURIComponent(THREAD)}/activities/${ROOT}`, ['WS-042', 'WS-077']],
      [`/v3/conversations/${encodeURIComponent(THREAD)}/activities/${ROOT}`, ['SRV-009']],
    ]);
    expect(rig.connector.requests.filter((r) => r.method === 'POST' && r.conversationId !== THREAD)).toEqual([]);
  });

  it('a reader\'s submit with "also stop & quarantine" files block + contain approval requests in the thread; Defender receives nothing', async () => {
    const answer = await rig.send(submit(RILEY, { [A]: true, [B]: false, [S]: true }, 'please block and contain', { contain: 'true' }));
    expect((answer.body as { task: { value: string } }).task.value).toMatch(/^Working on 2 files:/);
    const askedFor = (hash: string) =>
      rig.connector.waitFor(
        (r) => r.method === 'POST' && inThread(r) && textsOf(r)[0] === 'Block and stop & quarantine requested: waiting for approval' && textsOf(r).includes(hash),
        10_000,
      );
    const cards = (await Promise.all([askedFor(A), askedFor(S)])).map(textsOf);
    expect(cards.map((texts) => [texts.includes(A), texts.includes(S), texts.includes('Requested by: Riley Reader'), texts.includes('please block and contain')])).toEqual([
      [true, false, true, true],
      [false, true, true, true],
    ]);
    expect(rig.defender.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(rig.defender.requestsTo('GET', /machines|machineactions/i)).toEqual([]);
  });

  it('rejects a "contain" that is neither on nor off, and sends nothing', async () => {
    const answer = await rig.send(submit(ANA, { [A]: true, [B]: false, [S]: false }, 'odd switch', { contain: 'yes please' }));
    expect(answer.body).toEqual({ task: { type: 'message', value: 'The dialog sent something the bot cannot read. Nothing was blocked.' } });
    expect(rig.defender.requests).toEqual([]);
  });

  it('refuses a submit picking a hash the dialog did not list (past the first 50 of a long message)', async () => {
    const many = Array.from({ length: 55 }, (_, i) => sha256(`many-${i}`));
    const content = many.map((h) => `<p>${h}</p>`).join('');
    const opened = await rig.send(
      messageActionActivity(rig.connector.serviceUrl, 'composeExtension/fetchTask', { commandId: 'blockFromMessage', messagePayload: payload(content) }, { user: ANA }),
    );
    const listed = inputs(dialogOf(opened.body).card.content).filter((i) => i.type === 'Input.Toggle');
    expect(listed.map((t) => t.id)).not.toContain(`h_${many[52]}`);
    const forged = messageActionActivity(
      rig.connector.serviceUrl,
      'composeExtension/submitAction',
      {
        commandId: 'blockFromMessage',
        messagePayload: payload(content),
        data: { comment: 'all of them', action: 'Block', expires: '30d', ...Object.fromEntries(many.map((h) => [`h_${h}`, 'true'])) },
      },
      { user: ANA },
    );
    const answer = await rig.send(forged);
    expect(answer.body).toEqual({ task: { type: 'message', value: 'The selection does not match the message. Nothing was blocked; use the action on the message again.' } });
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('Entra wants consent during the on-behalf-of exchange: the stale sign-in is signed out and the thread says plainly that nothing was blocked', async () => {
    const NED: TeamsUser = { id: '29:1ned', name: 'Ned Needsconsent', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000011' };
    await rig.signIn(NED, [DirectoryRole.SecurityAdministrator]);
    rig.entra.failNext({ error: 'invalid_grant', aadsts: 65001, suberror: 'consent_required', forOid: NED.aadObjectId, grantType: 'obo', times: 10 });
    const answer = await rig.send(submit(NED, { [A]: true, [B]: false, [S]: false }, 'needs consent'));
    expect((answer.body as { task: { value: string } }).task.value).toMatch(/^Working on 1 file:/);
    const notice = await rig.connector.waitFor((r) => r.method === 'POST' && inThread(r), 10_000);
    const texts = cardTexts(cardOf(notice)).join(' ');
    expect(texts).toContain('Nothing was blocked');
    expect(texts).not.toMatch(/runs as soon as you are signed in/);
    expect(rig.tokens.signedOut(NED.id, CONNECTION)).toBe(true);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);

    // The next use of the action asks for a fresh sign-in instead of reusing the token Entra refused.
    const again = await fetchTask(NED);
    expect((again.body as { composeExtension?: { type: string } }).composeExtension?.type).toBe('auth');
  });

  it('where the bot cannot post (not a member of the chat or team), the submit is answered that nothing was blocked, and nothing reaches Defender', async () => {
    rig.connector.refuseChannel(SOC_CHANNEL_ID, 403);
    const answer = await rig.send(submit(ANA, { [A]: false, [B]: true, [S]: false }, 'nobody would hear of it'));
    expect(answer.body).toEqual({
      task: {
        type: 'message',
        value:
          'The bot is not a member of this chat or team, so it could not post the result here. Nothing was blocked; add the bot here, or send the hashes to the bot in a 1:1 chat.',
      },
    });
    const refused = rig.connector.requests.filter((r) => r.method === 'POST' && r.conversationId === THREAD);
    expect(refused.map((r) => [(r.body as { type?: string }).type, r.status])).toEqual([['typing', 403]]);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('refuses a submit naming a hash the message does not hold (a forged dialog)', async () => {
    const forged = sha256('not in the message');
    const answer = await rig.send(submit(ANA, { [A]: true, [forged]: true }, 'forged'));
    expect(answer.body).toEqual({ task: { type: 'message', value: 'The selection does not match the message. Nothing was blocked; use the action on the message again.' } });
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});

describe('"Block files in this message" on the files API (no device actions)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'files', env: { ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  it('the dialog has no stop & quarantine switch, and a forged contain=true is refused with nothing sent to Defender', async () => {
    const opened = await rig.send(
      messageActionActivity(rig.connector.serviceUrl, 'composeExtension/fetchTask', { commandId: 'blockFromMessage', messagePayload: payload() }, { user: ANA }),
    );
    const card = (opened.body as { task: { type: string; value: { card: { content: CardElement } } } }).task;
    expect(card.type).toBe('continue');
    expect(inputs(card.value.card.content).map((i) => i.id)).not.toContain('contain');

    rig.connector.clear();
    rig.defender.reset();
    const forged = messageActionActivity(
      rig.connector.serviceUrl,
      'composeExtension/submitAction',
      { commandId: 'blockFromMessage', messagePayload: payload(), data: { comment: 'contain it too', [`h_${S}`]: 'true', contain: 'true' } },
      { user: ANA },
    );
    const answer = await rig.send(forged);
    expect(answer.body).toEqual({
      task: {
        type: 'message',
        value: "This bot's Defender API cannot stop and quarantine files on devices, so its dialog has no such switch. Nothing was blocked; use the action on the message again.",
      },
    });
    expect(rig.defender.requests).toEqual([]);
    expect(rig.connector.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
