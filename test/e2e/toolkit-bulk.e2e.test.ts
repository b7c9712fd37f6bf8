import { createHash } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { DirectoryRole } from '../../src/domain/roles';
import { closeServer, listen, readBody } from '../fakes/http-json';
import { createTestCa } from '../fakes/test-ca';
import { ANA, invokeActivity, messageActivity, RILEY, submitActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

/** `count` distinct SHA-1s. */
function hashes(count: number, seed: string): string[] {
  return Array.from({ length: count }, (_, i) => createHash('sha1').update(`${seed}-${i}`).digest('hex'));
}

/** The SharePoint host Teams names in a file attachment's downloadUrl (allowed by the default FILE_DOWNLOAD_HOSTS). */
const SHAREPOINT_HOST = 'contoso.sharepoint.com';
/** What this test's DNS answers for SHAREPOINT_HOST: a public (documentation, TEST-NET-3) address, never actually dialled. */
const SHAREPOINT_PUBLIC_ADDRESS = '203.0.113.10';

/**
 * A loopback file server standing in for SharePoint (Teams' file download URLs, over HTTPS with a test CA) and
 * OneDrive's upload URLs. The bot runs in production mode, where a download host that resolves to a loopback
 * address is refused; so this test plays the network instead: its DNS answers SHAREPOINT_HOST with a public
 * address (the bot checks that answer and pins the connection to it), and its routing delivers connections for
 * SHAREPOINT_HOST to the loopback server. The bot's code runs unchanged; only the world around it is simulated.
 */
class FileHost {
  readonly files = new Map<string, string>();
  readonly downloads: string[] = [];
  readonly uploads: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  private readonly ca = createTestCa();
  private readonly sharePoint = https.createServer(
    {
      ...(() => {
        const cert = this.ca.issue([SHAREPOINT_HOST]);
        return { cert: cert.certPem, key: cert.keyPem };
      })(),
    },
    (req, res) => {
      this.downloads.push(req.url ?? '');
      const file = this.files.get(req.url ?? '');
      res.writeHead(file ? 200 : 404, { 'content-type': 'text/csv' });
      res.end(file);
    },
  );
  private readonly server = http.createServer(async (req, res) => {
    if (req.method === 'PUT') {
      this.uploads.push({ path: req.url ?? '', headers: req.headers, body: await readBody(req) });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"id":"drive-item"}');
      return;
    }
    const file = this.files.get(req.url ?? '');
    res.writeHead(file ? 200 : 404, { 'content-type': 'text/csv' });
    res.end(file);
  });
  url = '';
  /** Base of download URLs, e.g. https://contoso.sharepoint.com:PORT */
  downloadBase = '';
  private unroute = () => undefined as void;

  async start(): Promise<this> {
    this.url = await listen(this.server);
    const port = Number(new URL(await listen(this.sharePoint)).port);
    this.downloadBase = `https://${SHAREPOINT_HOST}:${port}`;
    this.unroute = routeToLoopback(SHAREPOINT_HOST, SHAREPOINT_PUBLIC_ADDRESS, this.ca.caPem);
    return this;
  }

  async close(): Promise<void> {
    this.unroute();
    await Promise.all([closeServer(this.server), closeServer(this.sharePoint)]);
  }
}

/** This process's DNS answers `host` with `publicAddress`, and TLS connections to `host` reach 127.0.0.1 trusting `caPem`. */
function routeToLoopback(host: string, publicAddress: string, caPem: string): () => void {
  const lookup = dns.promises.lookup.bind(dns.promises);
  const spy = jest
    .spyOn(dns.promises, 'lookup')
    .mockImplementation(((hostname: string, options: dns.LookupAllOptions) =>
      hostname === host ? Promise.resolve([{ address: publicAddress, family: 4 }]) : lookup(hostname, options)) as typeof dns.promises.lookup);
  const connect = tls.connect;
  const toLoopback = (_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) =>
    options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
  const routed = function (this: unknown, ...args: unknown[]) {
    const options = args[0] as tls.ConnectionOptions | undefined;
    if (options && typeof options === 'object' && options.host === host) args[0] = { ...options, ca: [caPem], lookup: toLoopback };
    return (connect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
  } as typeof tls.connect;
  tls.connect = routed;
  return () => {
    // Only our own wrapper is taken away: the module is shared by every test file of this worker.
    if (tls.connect === routed) tls.connect = connect;
    spy.mockRestore();
  };
}

describe('bulk blocks and the audit export (Indicators API)', () => {
  let rig: Rig;
  let host: FileHost;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators' });
    host = await new FileHost().start();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(async () => {
    await rig.stop();
    await host.close();
  });
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  const imports = () => rig.defender.requestsTo('POST', /\/indicators\/import$/);

  it('blocks a 1,200-hash CSV in three import calls, rides out a 429 in the middle, and accounts for every hash', async () => {
    const list = hashes(1200, 'a1');
    host.files.set('/iocs.csv', ['sha1,comment', ...list.map((h, i) => `${h},"campaign 42, row ${i + 1}"`)].join('\r\n'));
    let importsSeen = 0;
    rig.defender.failNext(1, {
      status: 429,
      code: 'TooManyRequests',
      message: 'Rate limit exceeded',
      retryAfterSec: 1,
      matcher: (method, path) => method === 'POST' && path.endsWith('/import') && ++importsSeen === 2,
    });
    const activity = {
      ...messageActivity(rig.connector.serviceUrl, 'block'),
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.file.download.info',
          name: 'iocs.csv',
          content: { downloadUrl: `${host.downloadBase}/iocs.csv`, uniqueId: 'u1', fileType: 'csv' },
        },
      ],
    };
    expect((await rig.send(activity)).status).toBe(200);
    const progress = await rig.reply(activity);
    expect(cardTexts(cardOf(progress))[0]).toMatch(/^Bulk block running: 0 of 1,200$/);
    expect(host.downloads).toEqual(['/iocs.csv']);

    const done = await rig.connector.waitFor((r) => r.method === 'PUT' && cardTexts(cardOf(r))[0].startsWith('Bulk block done'), 30_000);
    expect(done.activityId).toBe(messageId(progress));
    const texts = cardTexts(cardOf(done));
    expect(texts[0]).toBe('Bulk block done: 1,200 files blocked');
    expect(texts).toEqual(expect.arrayContaining(['Hashes: 1,200', 'Blocked: 1,200', 'Not blocked: 0']));

    const sizes = imports().map((r) => [r.status, (r.body as { Indicators: unknown[] }).Indicators.length]);
    expect(sizes).toEqual([
      [200, 500],
      [429, 500],
      [200, 500],
      [200, 200],
    ]);
    expect(new Set(rig.defender.indicators().map((i) => i.indicatorValue))).toEqual(new Set(list));
    expect(imports().every((r) => r.claims?.oid === ANA.aadObjectId)).toBe(true);
    expect((imports()[0].body as { Indicators: Array<{ description: string }> }).Indicators[0].description).toBe(sentFromTeams('campaign 42, row 1', signedIn(ANA)));
  }, 60_000);

  it('reports bad lines first and blocks nothing until the analyst confirms (Action.Submit path), then reports every failure', async () => {
    const [good1, good2] = hashes(2, 'b2');
    const text = `block shared reason\n${good1}\nnot-a-hash\n${good2},own reason\n${good1}`;
    const activity = messageActivity(rig.connector.serviceUrl, text);
    await rig.send(activity);
    const review = await rig.reply(activity);
    const texts = cardTexts(cardOf(review));
    expect(texts[0]).toBe("2 of 4 lines can't be used");
    expect(texts).toEqual(expect.arrayContaining(['Line 2', 'not-a-hash', 'Line 4', good1, 'same hash as line 1']));
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    const confirm = buttons(cardOf(review))['Block the 2 valid hashes'];
    expect(confirm.fallback?.type).toBe('Action.Submit');
    rig.connector.clear();
    await rig.send(submitActivity(rig.connector.serviceUrl, messageId(review), confirm.fallback!.data));
    const done = await rig.connector.waitFor((r) => r.method === 'PUT' && cardTexts(cardOf(r))[0].startsWith('Bulk block done'), 15_000);
    expect(done.activityId).toBe(messageId(review));
    expect(cardTexts(cardOf(done))[0]).toBe('Bulk block done: 2 files blocked');
    expect(cardTexts(cardOf(done))).toEqual(expect.arrayContaining(['Skipped: not blocked', 'Line 2', 'not-a-hash', 'Line 4', 'same hash as line 1', 'Skipped lines: 2']));
    const sent = (imports()[0].body as { Indicators: Array<{ indicatorValue: string; description: string }> }).Indicators;
    expect(sent.map((i) => [i.indicatorValue, i.description])).toEqual([
      [good1, sentFromTeams('shared reason', ANA.name)],
      [good2, sentFromTeams('own reason', ANA.name)],
    ]);
  });

  it('reviews a CSV with bad rows by line number and reason, never echoing what the file said beyond its hashes', async () => {
    const [good] = hashes(1, 'c3');
    host.files.set('/mixed.csv', [`${good},"fine row"`, 'INTERNAL-SECRET-1,"<b>payroll</b>"', `${good},INTERNAL-SECRET-2`, ',INTERNAL-SECRET-3'].join('\n'));
    const activity = {
      ...messageActivity(rig.connector.serviceUrl, 'block'),
      attachments: [
        { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'mixed.csv', content: { downloadUrl: `${host.downloadBase}/mixed.csv`, fileType: 'csv' } },
      ],
    };
    await rig.send(activity);
    const review = await rig.reply(activity);
    const texts = cardTexts(cardOf(review));
    expect(texts[0]).toBe("3 of 4 lines can't be used");
    expect(texts).toEqual(expect.arrayContaining(['Line 2', 'not a SHA-1, SHA-256 or MD5', 'Line 3', good, 'same hash as line 1', 'Line 4', 'no hash']));
    expect(JSON.stringify(rig.connector.requests)).not.toMatch(/INTERNAL-SECRET|payroll/);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('downloads nothing for a caller without a blocking role, even from an allowed host', async () => {
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    host.files.set('/riley.csv', hashes(3, 'd4').join('\n'));
    const before = host.downloads.length;
    const activity = {
      ...messageActivity(rig.connector.serviceUrl, 'block shared reason', { user: RILEY }),
      attachments: [
        { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'riley.csv', content: { downloadUrl: `${host.downloadBase}/riley.csv`, fileType: 'csv' } },
      ],
    };
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toBe('Not allowed: you need a directory role');
    expect(host.downloads.length).toBe(before);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('exports the audit trail as a CSV file through Teams file consent, in a 1:1 chat only', async () => {
    const inChannel = messageActivity(rig.connector.serviceUrl, 'history export', { kind: 'channel' });
    await rig.send(inChannel);
    expect(replyTexts(await rig.reply(inChannel))[0]).toBe('Exports come as a file in a 1:1 chat');

    const ask = messageActivity(rig.connector.serviceUrl, 'history export csv');
    await rig.send(ask);
    const offer = await rig.connector.waitFor(
      (r) => ((r.body as { attachments?: Array<{ contentType: string }> }).attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.teams.card.file.consent'),
      10_000,
    );
    const consent = (offer.body as { attachments: Array<{ name: string; content: { acceptContext: unknown; sizeInBytes: number } }> }).attachments[0];
    expect(consent.name).toMatch(/^defender-block-bot-audit-\d{8}-\d{6}\.csv$/);

    rig.connector.clear();
    const accept = invokeActivity(rig.connector.serviceUrl, 'fileConsent/invoke', {
      type: 'fileUpload',
      action: 'accept',
      context: consent.content.acceptContext,
      uploadInfo: {
        name: consent.name,
        uploadUrl: `${host.url}/upload/session-1`,
        contentUrl: 'https://contoso-my.example/personal/ana/audit.csv',
        uniqueId: 'item-1',
        fileType: 'csv',
      },
    });
    expect((await rig.send(accept)).status).toBe(200);
    const info = await rig.connector.waitFor((r) =>
      ((r.body as { attachments?: Array<{ contentType: string }> }).attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.teams.card.file.info'),
    );
    expect((info.body as { attachments: Array<{ contentUrl: string }> }).attachments[0].contentUrl).toBe('https://contoso-my.example/personal/ana/audit.csv');

    const [upload] = host.uploads;
    expect(upload.path).toBe('/upload/session-1');
    expect(upload.headers['content-range']).toBe(`bytes 0-${Buffer.byteLength(upload.body) - 1}/${Buffer.byteLength(upload.body)}`);
    expect(Buffer.byteLength(upload.body)).toBe(consent.content.sizeInBytes);
    const rows = upload.body.trim().split('\r\n');
    expect(rows[0]).toBe('at,tenantId,actorName,actorAadObjectId,action,outcome,hashType,hash,comment,options,api,detail,correlationId,count');
    expect(rows.filter((r) => r.includes(',block,done,'))).toHaveLength(1202);
    expect(rows.some((r) => r.includes(',bulk-block,done,') && r.endsWith(',1200'))).toBe(true);

    const replay = await rig.send({ ...accept, id: 'f:replayed' });
    expect(replay.status).toBe(200);
    expect(host.uploads).toHaveLength(1);
  });
});
