import { DirectoryRole } from '../../src/domain/roles';
import { ANA, GALE, RILEY, executeActivity, messageActivity, submitActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { INDICATORS_AUDIENCE, replyTexts, startRig, upnOf, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

/** What an Action.Execute answer shows: the replacing card's texts. */
function invokeTexts(body: unknown): string[] {
  const answer = body as { type: string; value: unknown };
  expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
  return cardTexts(answer.value);
}

describe.each(['indicators', 'files'] as const)('unblock through the %s API', (api) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: api });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => rig.connector.clear());

  it('lifts the block as the analyst and keeps the cancellation trail; status then tells who lifted it', async () => {
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} dropper`);
    await rig.send(block);
    expect(replyTexts(await rig.reply(block))[0]).toBe('File blocked');
    rig.connector.clear();
    rig.defender.clear();

    const unblock = messageActivity(rig.connector.serviceUrl, `unblock ${SHA1} false positive: signed vendor updater`);
    await rig.send(unblock);
    const texts = replyTexts(await rig.reply(unblock));
    expect(texts[0]).toBe('Block lifted');
    expect(texts).toEqual(expect.arrayContaining(['Status: Unblocked', 'false positive: signed vendor updater']));
    expect(texts.find((t) => t.startsWith('Cancelled by: '))).toMatch(/Cancelled by: (Ana Analyst|ana@contoso\.example)/);
    expect(texts.some((t) => t.startsWith('Cancelled: '))).toBe(true);
    const changes = rig.defender.requests.filter((r) => r.method !== 'GET');
    if (api === 'indicators') {
      expect(rig.defender.requestsTo('GET', /^\/api\/indicators$/)[0].query.$filter).toBe(`indicatorValue eq '${SHA1}'`);
      expect(changes.map((r) => `${r.method} ${r.path}`)).toEqual([expect.stringMatching(/^DELETE \/api\/indicators\/\S+$/)]);
      expect(rig.defender.indicators()).toHaveLength(0);
    } else {
      expect(changes.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /testwdatppreview/files/${SHA1}/unblock`]);
      expect(changes[0].body).toEqual({ Comment: 'false positive: signed vendor updater' });
    }
    expect(changes[0].claims).toMatchObject({ oid: ANA.aadObjectId });

    rig.connector.clear();
    const status = messageActivity(rig.connector.serviceUrl, `status ${SHA1}`);
    await rig.send(status);
    const report = replyTexts(await rig.reply(status));
    expect(report[0]).toBe('Not blocked');
    expect(report.find((t) => t.startsWith('Last unblocked by Ana Analyst'))).toBeDefined();
    expect(report).toContain('false positive: signed vendor updater');
  });

  it('says plainly when there was nothing to lift', async () => {
    const unblock = messageActivity(rig.connector.serviceUrl, `unblock ${'9'.repeat(40)} just in case`);
    await rig.send(unblock);
    expect(replyTexts(await rig.reply(unblock))[0]).toBe('Nothing to lift');
  });
});

describe('status, warnings before blocking, the form, and Undo (Indicators API)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { UNDO_WINDOW_SECONDS: '2', WIDESPREAD_THRESHOLD: '1000' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  const posts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  it('status (a Security Reader may ask) shows the block state and what Defender knows of the file', async () => {
    rig.defender.seedFile({
      sha1: SHA1,
      sha256: 'c'.repeat(64),
      md5: 'd'.repeat(32),
      size: 1234567,
      fileType: 'PortableExecutable',
      isPeFile: true,
      filePublisher: 'Contoso Tools',
      signer: 'Contoso Tools Ltd',
      isValidCertificate: true,
      globalPrevalence: 180,
      orgPrevalence: 42,
      orgFirstSeen: '2026-11-01T08:00:00Z',
      orgLastSeen: '2026-11-27T17:30:00Z',
      topFileNames: ['updater.exe', 'upd.exe'],
    });
    const status = messageActivity(rig.connector.serviceUrl, `status ${SHA1}`, { user: RILEY });
    await rig.send(status);
    const texts = replyTexts(await rig.reply(status));
    expect(texts[0]).toBe('Not blocked');
    expect(texts).toEqual(
      expect.arrayContaining([
        'Devices in your org: 42',
        'First seen in org: 2026-11-01 08:00:00 UTC',
        'Last seen in org: 2026-11-27 17:30:00 UTC',
        'Names: updater.exe, upd.exe',
        'Signer: Contoso Tools Ltd',
        `SHA-256: ${'c'.repeat(64)}`,
      ]),
    );
    expect(buttons(cardOf(await rig.reply(status)))['Block this file…']).toBeUndefined();
    expect(rig.defender.requests.every((r) => r.method === 'GET' && r.claims?.oid === RILEY.aadObjectId)).toBe(true);
  });

  it("shows a colleague's existing indicator and asks before replacing it; confirming (Action.Execute) blocks once", async () => {
    rig.defender.seedIndicator(
      { indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Audit', generateAlert: true, title: 'Audit from hunting', description: 'watching this one' },
      { upn: 'colleague@contoso.example', name: 'Cole League', scp: 'Ti.ReadWrite' },
    );
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} escalate to a block`);
    await rig.send(block);
    const prompt = await rig.reply(block);
    const texts = replyTexts(prompt);
    expect(texts[0]).toBe('Check before blocking');
    expect(texts.join(' ')).toContain('Already blocked');
    expect(texts.join(' ')).toContain('colleague@contoso.example');
    expect(texts).toContain('watching this one');
    expect(posts()).toHaveLength(0);

    const confirm = buttons(cardOf(prompt))['Replace the existing block'];
    expect(confirm.type).toBe('Action.Execute');
    expect(confirm.fallback?.type).toBe('Action.Submit');
    const press = executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!);
    const answer = await rig.send(press);
    expect(answer.status).toBe(200);
    expect(invokeTexts(answer.body)[0]).toBe('File blocked');
    expect(posts()).toHaveLength(1);
    expect(posts()[0].body).toMatchObject({ action: 'Block', description: sentFromTeams('escalate to a block', signedIn(ANA)) });

    const again = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    expect(invokeTexts(again.body)[0]).toBe('This request is no longer open');
    expect(posts()).toHaveLength(1);
  });

  it('a confirmation pressed before signing in asks to sign in and stays open', async () => {
    rig.defender.seedFile({ sha1: SHA1, orgPrevalence: 5000 });
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} confirm after sign-in`);
    await rig.send(block);
    const prompt = await rig.reply(block);
    const confirm = buttons(cardOf(prompt))['Block anyway'];
    const out = messageActivity(rig.connector.serviceUrl, 'sign out');
    await rig.send(out);
    await rig.connector.waitFor((r) => replyTexts(r)[0] === 'You are signed out');

    const early = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    expect(early.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('Sign in first') });
    expect(posts()).toHaveLength(0);

    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const later = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    expect(invokeTexts(later.body)[0]).toBe('File blocked');
    expect(posts()).toHaveLength(1);
  });

  it('warns before blocking a Microsoft-signed or widespread file, and a colleague cannot answer for the requester', async () => {
    rig.defender.seedFile({ sha1: SHA1, signer: 'Microsoft Windows', isValidCertificate: true, orgPrevalence: 25000 });
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} looks odd`);
    await rig.send(block);
    const prompt = await rig.reply(block);
    const texts = replyTexts(prompt);
    expect(texts).toEqual(expect.arrayContaining(['Signed by Microsoft', 'Widespread in your organization']));
    expect(texts.join(' ')).toContain('Seen on 25,000 devices');
    const confirm = buttons(cardOf(prompt))['Block anyway'];

    const byGale = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!, { user: GALE }));
    expect(byGale.body as { type: string; value: string }).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('Only the person who asked'),
    });

    const cancel = buttons(cardOf(prompt)).Cancel;
    const cancelled = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), cancel.verb!, cancel.data!));
    expect(invokeTexts(cancelled.body)[0]).toBe('Cancelled');
    expect(posts()).toHaveLength(0);
  });

  it('the block form through Action.Execute: options reach Defender and the answer replaces the form', async () => {
    const open = messageActivity(rig.connector.serviceUrl, 'block');
    await rig.send(open);
    const formMessage = await rig.reply(open);
    const form = cardOf(formMessage);
    expect(cardTexts(form)[0]).toBe('Block a file');
    const inputs = (form.body as Array<{ type: string; id?: string; regex?: string; isRequired?: boolean }>).filter((b) => b.type.startsWith('Input.'));
    expect(inputs.map((i) => i.id)).toEqual(['hash', 'comment', 'action', 'expires', 'severity', 'groups', 'contain']);
    expect(inputs.find((i) => i.id === 'hash')).toMatchObject({ isRequired: true, regex: expect.stringContaining('{40}') });
    const submit = buttons(form)['Send to Defender'];
    expect(submit).toMatchObject({ type: 'Action.Execute', fallback: { type: 'Action.Submit' } });
    expect(JSON.stringify(form)).not.toContain('Action.ShowCard');

    const started = Date.now();
    const data = { ...submit.data, hash: SHA1.toUpperCase(), comment: 'from the form', action: 'Audit', expires: '30d', severity: 'High', groups: 'Servers, Finance' };
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(formMessage), submit.verb!, data));
    const texts = invokeTexts(answer.body);
    expect(texts[0]).toBe('Not blocked: only audited');
    expect(texts).toEqual(expect.arrayContaining(['Severity: High', 'Device groups: Servers, Finance']));
    const [post] = posts();
    expect(post.body).toMatchObject({
      indicatorValue: SHA1,
      action: 'Audit',
      generateAlert: true,
      severity: 'High',
      rbacGroupNames: ['Servers', 'Finance'],
      description: sentFromTeams('from the form', ANA.name),
    });
    const expires = Date.parse((post.body as { expirationTime: string }).expirationTime);
    expect(Math.abs(expires - (started + 30 * 86_400_000))).toBeLessThan(60_000);
    expect(post.claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: ANA.aadObjectId });
  });

  it('the block form through the Action.Submit fallback: the result replaces the form message in place', async () => {
    const open = messageActivity(rig.connector.serviceUrl, 'block');
    await rig.send(open);
    const formMessage = await rig.reply(open);
    const submit = buttons(cardOf(formMessage))['Send to Defender'];
    rig.connector.clear();
    const press = submitActivity(rig.connector.serviceUrl, messageId(formMessage), {
      ...submit.fallback!.data,
      hash: SHA1,
      comment: 'submitted on a phone',
      action: 'Block',
      expires: 'never',
      severity: '',
      groups: '',
    });
    expect((await rig.send(press)).status).toBe(200);
    const update = await rig.connector.waitFor((r) => r.method === 'PUT');
    expect(update.activityId).toBe(messageId(formMessage));
    expect(cardTexts(cardOf(update))[0]).toBe('File blocked');
    expect(posts()[0].body).not.toHaveProperty('expirationTime');
  });

  it('a form with a bad hash comes back with the error and the typed values, and nothing is sent', async () => {
    const open = messageActivity(rig.connector.serviceUrl, 'block');
    await rig.send(open);
    const formMessage = await rig.reply(open);
    const submit = buttons(cardOf(formMessage))['Send to Defender'];
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(formMessage), submit.verb!, { ...submit.data, hash: 'nothex', comment: 'keep me' }));
    const card = (answer.body as { value: Record<string, unknown> }).value;
    expect(cardTexts(card)).toContain('This is not a file hash. "nothex" is not a SHA-1 (40 hexadecimal characters), SHA-256 (64) or MD5 (32). Nothing was blocked.');
    expect(JSON.stringify(card)).toContain('"value":"keep me"');
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('Undo inside the window lifts the block (someone without the role cannot), and after the window it is refused', async () => {
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} oops wrong file`);
    await rig.send(block);
    const result = await rig.reply(block);
    expect(cardTexts(cardOf(result)).join(' ')).toContain('Undo is available until');
    const undo = buttons(cardOf(result)).Undo;
    expect(undo).toMatchObject({ type: 'Action.Execute', fallback: { type: 'Action.Submit' } });

    const byReader = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!, { user: RILEY }));
    expect(invokeTexts(byReader.body)[0]).toBe('Not allowed: you need a directory role');
    expect(rig.defender.requestsTo('DELETE', /indicators/)).toHaveLength(0);

    const byAna = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!));
    const texts = invokeTexts(byAna.body);
    expect(texts[0]).toBe('Block lifted');
    expect(texts.find((t) => t.startsWith('Undo of the block by Ana Analyst'))).toBeDefined();
    expect(rig.defender.requestsTo('DELETE', /indicators/)).toHaveLength(1);

    rig.connector.clear();
    const second = messageActivity(rig.connector.serviceUrl, `block ${'2'.repeat(40)} another one`);
    await rig.send(second);
    const later = await rig.reply(second);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const tooLate = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(later), undo.verb!, buttons(cardOf(later)).Undo.data!));
    expect(invokeTexts(tooLate.body)[0]).toBe('The undo window has closed');
    expect(rig.defender.requestsTo('DELETE', /indicators/)).toHaveLength(1);
  });

  it('the audit trail records who did what, and survives a restart of the bot; More pages through it as the presser', async () => {
    await rig.restart();
    const history = messageActivity(rig.connector.serviceUrl, `history ${SHA1}`);
    await rig.send(history);
    const reply = await rig.reply(history);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('History of this SHA-1');
    expect(texts[2]).toMatch(/^1–4 of \d+, newest first\.$/);
    let page = cardOf(reply);
    for (let more = buttons(page).More; more; more = buttons(page).More) {
      const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(reply), more.verb!, more.data!));
      page = (answer.body as { value: Record<string, unknown> }).value;
      texts.push(...invokeTexts(answer.body));
    }
    expect(Object.keys(buttons(page))).toEqual(['Newest']);
    expect(texts).toEqual(expect.arrayContaining(['Undo: done', 'Block: done', 'Lookup: done', 'oops wrong file', 'from the form']));
    expect(texts.filter((t) => t.includes('Ana Analyst')).length).toBeGreaterThan(3);
    expect(texts.some((t) => t.includes('Riley Reader'))).toBe(true);
    expect(upnOf(ANA)).toBe('ana@contoso.example');
  });
});
