import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, messageActivity, RILEY } from '../fixtures/activities';
import { replyTexts, startRig, type Rig } from './rig';

const TEAMS_FILE = 'application/vnd.microsoft.teams.file.download.info';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

/** The attacker's server on 127.0.0.1: counts every connection (plain or TLS) and request, and serves "internal" data. */
class AttackerServer {
  connections = 0;
  requests = 0;
  private readonly server = http.createServer((_req, res) => {
    this.requests++;
    res.end(`${SHA1},INTERNAL-SECRET-FROM-METADATA\nroot:x:0:0:INTERNAL-SECRET`);
  });
  port = 0;

  async start(): Promise<this> {
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('CSV intake refuses what an attacker can name in an activity (production)', () => {
  let rig: Rig;
  let attacker: AttackerServer;

  beforeAll(async () => {
    // 127.0.0.1 is listed on purpose: an explicitly allowed host that resolves to loopback is still refused in production.
    rig = await startRig({ defenderApi: 'indicators', env: { FILE_DOWNLOAD_HOSTS: '.sharepoint.com,127.0.0.1' } });
    attacker = await new AttackerServer().start();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });
  afterAll(async () => {
    await rig.stop();
    await attacker.close();
  });
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });
  afterEach(() => {
    // Nothing reached the attacker's server, and nothing about its content was posted.
    expect(attacker.connections).toBe(0);
    expect(attacker.requests).toBe(0);
    expect(JSON.stringify(rig.connector.requests)).not.toContain('INTERNAL-SECRET');
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  const send = async (attachments: unknown[], user = ANA) => {
    const activity = { ...messageActivity(rig.connector.serviceUrl, 'block campaign 42', { user }), attachments };
    expect((await rig.send(activity)).status).toBe(200);
    return replyTexts(await rig.reply(activity));
  };
  const teamsFile = (downloadUrl: string, name = 'iocs.csv') => ({ contentType: TEAMS_FILE, name, content: { downloadUrl, uniqueId: name, fileType: 'csv' } });

  it('does not fetch a text/csv attachment whose contentUrl names an arbitrary host', async () => {
    const texts = await send([{ contentType: 'text/csv', name: 'iocs.csv', contentUrl: `http://127.0.0.1:${attacker.port}/latest/meta-data` }]);
    expect(texts[0]).toBe('The attachment was not read: nothing was blocked');
  });

  it('does not fetch a Teams file whose downloadUrl host is not allowed', async () => {
    const texts = await send([teamsFile(`http://127.0.0.1:${attacker.port}/iocs.csv`)]);
    expect(texts[0]).toBe('The attached file was not read');
    expect(texts.join('\n')).toMatch(/HTTPS/);
    rig.connector.clear();
    const other = await send([teamsFile('https://attacker.example.org/iocs.csv')]);
    expect(other.join('\n')).toMatch(/FILE_DOWNLOAD_HOSTS/);
  });

  it('does not connect to a listed host that is a loopback address', async () => {
    const texts = await send([teamsFile(`https://127.0.0.1:${attacker.port}/iocs.csv`)]);
    expect(texts[0]).toBe('The attached file was not read');
    expect(texts.join('\n')).toMatch(/private or local address/);
  });

  it('reads one file per message: two attachments are refused and neither is downloaded', async () => {
    const texts = await send([teamsFile(`https://127.0.0.1:${attacker.port}/a.csv`, 'a.csv'), teamsFile(`https://127.0.0.1:${attacker.port}/b.csv`, 'b.csv')]);
    expect(texts[0]).toBe('One file at a time: nothing was blocked');
  });

  it('downloads nothing for a caller without a blocking role', async () => {
    const texts = await send([teamsFile(`https://127.0.0.1:${attacker.port}/iocs.csv`)], RILEY);
    expect(texts[0]).toBe('Not allowed: you need a directory role');
  });
});
