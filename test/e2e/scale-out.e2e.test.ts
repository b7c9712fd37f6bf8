import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../fixtures/free-port';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, GALE, RILEY, executeActivity, invokeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf } from '../fixtures/cards';
import { startAzurite, type Azurite } from '../integration/azurite';
import { CONNECTION, replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams } from './sent-from-teams';

const ROOT = path.join(__dirname, '../..');
const BUILD = path.join(ROOT, '.e2e-build');
const SOC_CHANNEL = '19:soc-channel@thread.tacv2';
const BEN: TeamsUser = { id: '29:1ben', name: 'Ben Blocker', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000b' };

/** A second bot instance in its own OS process: the compiled bot with the same settings, trusting the test CA. */
async function startSecondInstance(rig: Rig, workDir: string): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const caFile = path.join(workDir, 'test-ca.pem');
  fs.writeFileSync(caFile, rig.caPem);
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(BUILD, 'src/index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...rig.env,
      PORT: String(port),
      LOG_LEVEL: process.env.E2E_CHILD_LOG ?? 'warn',
      DATA_DIR: path.join(workDir, 'data'),
      NODE_EXTRA_CA_CERTS: caFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  if (process.env.E2E_CHILD_LOG) child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`second instance exited:\n${output}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return {
        url,
        child,
        stop: async () => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`second instance did not start:\n${output}`);
}

describe('two bot instances behind one registration share Azure Blob storage (Azurite)', () => {
  let azurite: Azurite;
  let rig: Rig;
  let second: Awaited<ReturnType<typeof startSecondInstance>>;
  let workDir: string;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-out-'));
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', BUILD], { cwd: ROOT, stdio: 'pipe' });
    azurite = await startAzurite();
    rig = await startRig({
      defenderApi: 'indicators',
      env: {
        STORAGE: 'azure-blob',
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        AZURE_STORAGE_CONTAINER: `bot-${Date.now()}`,
        APPROVAL_CHANNEL: SOC_CHANNEL,
        ROLE_CACHE_SECONDS: '0',
      },
    });
    second = await startSecondInstance(rig, workDir);
    for (const [user, roles] of [
      [ANA, [DirectoryRole.SecurityAdministrator]],
      [GALE, [DirectoryRole.GlobalAdministrator]],
      [BEN, [DirectoryRole.SecurityAdministrator]],
      [RILEY, [DirectoryRole.SecurityReader]],
    ] as const) {
      await rig.signIn(user, roles);
    }
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await rig?.stop();
    await azurite?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(BUILD, { recursive: true, force: true });
  });

  const toSecond = (activity: Record<string, unknown>) => rig.channel.post(`${second.url}/api/messages`, activity);

  it('two approvers racing on two instances produce one Defender request and one decision', async () => {
    rig.connector.clear();
    const ask = messageActivity(rig.connector.serviceUrl, `request block ${'e'.repeat(40)} campaign 77`, { user: RILEY });
    await rig.send(ask);
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    const approve = buttons(cardOf(card))['Approve and block'];
    const press = (user: TeamsUser) => executeActivity(rig.connector.serviceUrl, card.activityId!, approve.verb!, approve.data!, { user, kind: 'channel' });

    for (let round = 0; round < 1; round++) {
      const [a, b] = await Promise.all([rig.send(press(GALE)), toSecond(press(BEN))]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const answers = [a.body, b.body] as Array<{ type: string; value: unknown }>;
      const winners = answers.filter((x) => x.type === 'application/vnd.microsoft.card.adaptive');
      const losers = answers.filter((x) => x.type === 'application/vnd.microsoft.activity.message');
      expect(winners).toHaveLength(1);
      expect(cardTexts(winners[0].value)[0]).toBe('Approved and blocked');
      expect(losers).toHaveLength(1);
      expect(String(losers[0].value)).toMatch(/(Gale Global|Ben Blocker) already decided this request/);
    }
    const posts = rig.defender.requestsTo('POST', /^\/api\/indicators$/);
    expect(posts).toHaveLength(1);
    const approver = posts[0].claims?.oid === GALE.aadObjectId ? GALE : BEN;
    expect(posts[0].body).toMatchObject({ indicatorValue: 'e'.repeat(40), description: sentFromTeams('campaign 77', RILEY.name, approver.name) });

    const replay = await toSecond({ ...press(GALE), id: 'f:replayed-press' });
    expect((replay.body as { value: string }).value).toMatch(/already decided/);
    expect(rig.defender.requestsTo('POST', /^\/api\/indicators$/)).toHaveLength(1);
  });

  it('Teams re-sending one message to both instances blocks once', async () => {
    rig.connector.clear();
    rig.defender.clear();
    const activity = messageActivity(rig.connector.serviceUrl, `block ${'f'.repeat(40)} re-sent by Teams`, { user: ANA });
    const [a, b] = await Promise.all([rig.send(activity), toSecond(activity)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await rig.reply(activity);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(rig.defender.requestsTo('POST', /^\/api\/indicators$/)).toHaveLength(1);
  });

  it('a command waiting for sign-in on one instance runs when the sign-in reaches the other', async () => {
    const PAT: TeamsUser = { id: '29:1pat-scale', name: 'Pat Pending', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000d' };
    rig.connector.clear();
    rig.defender.clear();
    const activity = messageActivity(rig.connector.serviceUrl, `block ${'d'.repeat(40)} after sign-in elsewhere`, { user: PAT });
    await rig.send(activity);
    await rig.reply(activity);
    rig.graph.setRoles(PAT.aadObjectId, [DirectoryRole.SecurityAdministrator]);
    const sso = await rig.ssoToken(PAT);
    rig.tokens.allowExchange((token) => (token === sso ? sso : undefined));
    const exchange = invokeActivity(rig.connector.serviceUrl, 'signin/tokenExchange', { id: 'exchange-scale', connectionName: CONNECTION, token: sso }, { user: PAT });
    expect((await toSecond(exchange)).status).toBe(200);
    const done = await rig.connector.waitFor((r) => replyTexts(r)[0] === 'File blocked', 15_000);
    expect(done.activityId).toBe(activity.id);
    expect(rig.defender.requestsTo('POST', /^\/api\/indicators$/)[0].claims).toMatchObject({ oid: PAT.aadObjectId });
  });
});
