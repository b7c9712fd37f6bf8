import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActivity } from '../fixtures/activities';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

describe('graceful shutdown', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators' });
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('lets an in-flight block finish and reply before the server stops', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    // Slower than the bot answers within a turn (2 s), so the reply is still to come when the HTTP answer is.
    rig.defender.failNext(1, { delayMs: 3500 });
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} slow Defender during a deploy`);
    expect((await rig.send(activity)).status).toBe(200);
    expect(rig.connector.requests.filter((r) => (r.body as { type?: string }).type === 'message')).toHaveLength(0);

    await rig.app.stop();

    const replies = rig.connector.requests.filter((r) => (r.body as { type?: string }).type === 'message');
    expect(replies).toHaveLength(1);
    expect(replyTexts(replies[0])[0]).toBe('File blocked');
    const refused = await fetch(`${rig.app.url}/healthz`).then(
      (r) => r.status,
      () => 'closed',
    );
    expect(refused).toBe('closed');
  });
});
