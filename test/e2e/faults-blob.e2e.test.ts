import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActivity } from '../fixtures/activities';
import { startAzurite, viaPort, type Azurite } from '../integration/azurite';
import { blobFaultProxy, type BlobFaultProxy } from './blob-fault-proxy';
import { replyTexts, startRig, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

/** Azure Blob storage (Azurite behind a fault-injecting proxy) failing under the bot: no action Defender accepted is reported lost, every failure is said, and the next command works. */
describe('Azure Blob storage faults, end to end (Azurite behind a fault proxy)', () => {
  let azurite: Azurite;
  let proxy: BlobFaultProxy;
  let rig: Rig;

  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await blobFaultProxy(azurite);
    rig = await startRig({
      defenderApi: 'indicators',
      env: {
        STORAGE: 'azure-blob',
        AZURE_STORAGE_CONNECTION_STRING: viaPort(azurite.connectionString, proxy.port),
        AZURE_STORAGE_CONTAINER: `faults-${Date.now()}`,
        AZURE_STORAGE_TIMEOUT_MS: '800',
      },
    });
  });
  afterAll(async () => {
    await rig?.stop();
    await proxy?.close();
    await azurite?.stop();
  });
  beforeEach(async () => {
    proxy.heal();
    proxy.requests.length = 0;
    rig.graph.clear();
    rig.connector.clear();
    rig.defender.reset();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });

  const posts = () => rig.defender.requests.filter((r) => r.method === 'POST');

  async function ask(text: string): Promise<string[]> {
    const activity = messageActivity(rig.connector.serviceUrl, text);
    expect((await rig.send(activity)).status).toBe(200);
    return replyTexts(await rig.reply(activity, 20_000));
  }

  async function nextBlockWorks(hash: string): Promise<void> {
    proxy.heal();
    rig.connector.clear();
    rig.defender.reset();
    expect((await ask(`block ${hash} after the storage fault`))[0]).toBe('File blocked');
    expect(posts()).toHaveLength(1);
  }

  it('the audit write after Defender accepted answering 503: "Blocked, but not recorded", the block stands, the next command works', async () => {
    let auditWrites = 0;
    // The intent (its entry and its hash index) goes through; every audit write after it fails.
    proxy.fail(503, (method, path) => method === 'PUT' && path.includes('-audit/') && ++auditWrites > 2);
    const texts = await ask(`block ${SHA1} storage busy`);
    expect(texts[0]).toBe('Blocked, but not recorded in the audit trail');
    expect(texts.join('\n')).toContain('The block itself is in force.');
    expect(posts()).toHaveLength(1);
    expect(rig.defender.indicators().map((i) => i.indicatorValue)).toEqual([SHA1]);
    expect(proxy.requests.filter((r) => r.outcome === 503).length).toBeGreaterThanOrEqual(3);
    proxy.heal();
    rig.connector.clear();
    expect(await ask(`history ${SHA1}`)).toEqual(expect.arrayContaining(['Block: requested']));
    await nextBlockWorks('1'.repeat(40));
  });

  it('the Undo record write timing out: "Blocked, but Undo is not available" once the time limit passed, and the next command works', async () => {
    proxy.stall((method, path) => method === 'PUT' && path.includes('/kv/undo'));
    const started = Date.now();
    const texts = await ask(`block ${SHA1} storage slow`);
    expect(texts[0]).toBe('Blocked, but Undo is not available');
    expect(posts()).toHaveLength(1);
    expect(proxy.requests.filter((r) => r.outcome === 'stalled').map((r) => r.method)).toEqual(['PUT']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await nextBlockWorks('2'.repeat(40));
  });

  it('the audit intent timing out before Defender is called: the block is not sent, the user is told it was not (never silence), and the next command works', async () => {
    proxy.stall((method, path) => method === 'PUT' && path.includes('-audit/'));
    const texts = await ask(`block ${SHA1} audit slow`);
    expect(texts).toEqual([
      'File NOT blocked',
      'SHA-1 of the file',
      SHA1,
      'The bot could not write its audit trail, so the block was not sent to Defender: nothing changed.',
      "Treat the file as not blocked. Sending the same block again is safe. Wait a minute for the bot's storage to recover, then send it again.",
    ]);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);
    await nextBlockWorks('4'.repeat(40));
  });

  it('storage answering 503 to everything: a command is refused with a clear answer before Defender is called, and the next one works', async () => {
    proxy.fail(503, () => true);
    const texts = await ask(`block ${SHA1} storage down`);
    expect(texts).toEqual(['Nothing was done: storage unavailable', 'The bot could not reach its storage, so it did not act on this message. Try again in a minute.']);
    expect(rig.defender.requests).toEqual([]);
    expect(rig.graph.requests).toEqual([]);
    expect(proxy.requests.filter((r) => r.outcome === 503).map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT']);
    await nextBlockWorks('3'.repeat(40));
  });
});
