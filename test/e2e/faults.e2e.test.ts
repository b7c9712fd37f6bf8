import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActivity } from '../fixtures/activities';
import { resetAfterRequest } from '../fakes/defender/faults-and-limits';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

/** Upstream faults, injected one at a time: each ends in a clear card, nothing is done that was not confirmed, and the next command works. */
describe('faults of Graph, the token service and Defender, end to end (Indicators API)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { ROLE_CACHE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await rig.stop();
  });
  beforeEach(async () => {
    rig.connector.clear();
    rig.defender.reset();
    rig.graph.clear();
    rig.tokens.endOutage();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });

  async function ask(text: string): Promise<string[]> {
    const activity = messageActivity(rig.connector.serviceUrl, text);
    expect((await rig.send(activity)).status).toBe(200);
    return replyTexts(await rig.reply(activity));
  }

  /** The next block goes through once the fault is over. */
  async function nextBlockWorks(): Promise<void> {
    rig.connector.clear();
    rig.defender.reset();
    expect((await ask(`block ${SHA1} after the fault`))[0]).toBe('File blocked');
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  }

  it.each([500, 502, 503, 504])('Graph answering %i: the role check fails closed with a clear card and Defender is never called', async (status) => {
    rig.graph.failNext(1, status);
    const texts = await ask(`block ${SHA1} while Graph fails`);
    expect(texts[0]).toBe('File NOT blocked');
    expect(texts.join(' ')).toContain('could not check your directory roles');
    expect(texts.find((t) => t.startsWith('Detail:'))).toMatch(new RegExp(`^Detail: Microsoft Graph answered HTTP ${status} \\(\\w+\\)\\.$`));
    expect(rig.graph.requestsTo('GET', /directoryRole/).map((r) => r.status)).toEqual([status]);
    expect(rig.defender.requests).toEqual([]);
    await nextBlockWorks();
  });

  it('Graph not answering in time: the role check fails closed after the timeout and Defender is never called', async () => {
    rig.graph.stallNext(1, 6_000);
    const texts = await ask(`block ${SHA1} while Graph hangs`);
    expect(texts[0]).toBe('File NOT blocked');
    expect(texts.find((t) => t.startsWith('Detail:'))).toBe('Detail: Microsoft Graph could not be reached (TimeoutError).');
    expect(rig.defender.requests).toEqual([]);
    await nextBlockWorks();
  });

  it.each([500, 503])('the token service answering %i: a clear card, no Graph or Defender call', async (status) => {
    rig.tokens.startOutage(status);
    const texts = await ask(`block ${SHA1} while sign-in is down`);
    expect(texts).toEqual(['Nothing was blocked: sign-in service unavailable', 'The bot could not reach the sign-in service to act on your behalf. Try again in a minute.']);
    expect(rig.tokens.requests.length).toBeGreaterThan(0);
    expect(rig.graph.requests).toEqual([]);
    expect(rig.defender.requests).toEqual([]);
    rig.tokens.endOutage();
    await nextBlockWorks();
  });

  it('Defender resetting the connection mid-block: outcome unknown, sent once, and the Status button answers from Defender', async () => {
    rig.defender.failNext(
      1,
      resetAfterRequest((method) => method === 'POST'),
    );
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} connection lost`);
    await rig.send(activity);
    const reply = await rig.reply(activity);
    expect(replyTexts(reply)[0]).toBe('Outcome unknown: the file may be blocked');
    expect(rig.defender.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([-1]);
    rig.connector.clear();
    const status = await ask(`status ${SHA1}`);
    expect(status[0]).toMatch(/^(Not blocked|No block|File status)/);
    await nextBlockWorks();
  });
});
