import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActivity } from '../fixtures/activities';
import { resetAfterRequest } from '../fakes/defender/faults-and-limits';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

describe.each(['indicators', 'files'] as const)('a block whose outcome is unknown, through the %s API (real HTTP)', (api) => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: api });
  });
  afterAll(async () => {
    await rig.stop();
  });
  beforeEach(async () => {
    rig.connector.clear();
    rig.defender.reset();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });

  const posts = () => rig.defender.requests.filter((r) => r.method === 'POST');

  async function ask(text: string): Promise<string[]> {
    const activity = messageActivity(rig.connector.serviceUrl, text);
    expect((await rig.send(activity)).status).toBe(200);
    return replyTexts(await rig.reply(activity));
  }

  it('says the file may be blocked, offers Status, sends the block once and audits the outcome as unknown', async () => {
    rig.defender.failNext(
      1,
      resetAfterRequest((method) => method === 'POST'),
    );
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} connection lost`);
    expect((await rig.send(activity)).status).toBe(200);
    const reply = await rig.reply(activity);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('Outcome unknown: the file may be blocked');
    expect(texts.join('\n')).not.toMatch(/NOT blocked|Nothing was blocked/);
    expect(JSON.stringify(reply.body)).toContain(`"value":"status ${SHA1}"`);
    expect(posts()).toHaveLength(1);
    expect(posts()[0].status).toBe(-1);

    rig.connector.clear();
    const history = await ask(`history ${SHA1}`);
    expect(history).toEqual(expect.arrayContaining(['Block: outcome unknown (may be done)', 'Block: requested']));
  });

  it('refuses a huge groups option in the grammar, with a short clear answer, sending Defender nothing', async () => {
    const groups = Array.from({ length: 3000 }, (_, i) => `group-${i}`).join(',');
    const texts = await ask(`block ${SHA1} groups:"${groups}" too many groups`);
    expect(texts[0]).toBe('The option groups is not valid');
    expect(texts.join('\n')).toContain('name at most 20 device groups (this names 3000)');
    expect(texts.join('\n').length).toBeLessThan(2000);
    expect(rig.defender.requests).toHaveLength(0);
  });
});
