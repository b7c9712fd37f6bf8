import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryRole } from '../../src/domain/roles';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf } from '../fixtures/cards';
import { compileBot, ROOT, startCompiledBot, type CompiledBot } from './compiled-bot';
import { startRig, type Rig } from './rig';

const BUILD = path.join(ROOT, '.e2e-build-bulk-kill');
const TOTAL = 520;

/** The headline of the card a connector request carries, or '' (typing indicators carry none). */
function headline(request: ConnectorRequest): string {
  const body = request.body as { attachments?: unknown[] };
  return body.attachments?.length ? (cardTexts(cardOf(request))[0] ?? '') : '';
}

interface Bot extends CompiledBot {
  readonly url: string;
}

/** The compiled bot in production mode against the rig's fakes, resolved once it listens. */
async function startBot(env: Readonly<Record<string, string>>, caFile: string): Promise<Bot> {
  const bot = await startCompiledBot(BUILD, { ...env, HOST: '127.0.0.1', NODE_EXTRA_CA_CERTS: caFile });
  return { ...bot, url: `http://127.0.0.1:${bot.port}/api/messages` };
}

describe('a bulk block survives SIGKILL in the middle (Indicators API, compiled bot)', () => {
  let rig: Rig;
  let caFile: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    compileBot(BUILD);
    rig = await startRig({ defenderApi: 'indicators', env: { BULK_JOB_LEASE_SECONDS: '5', SWEEP_SECONDS: '1' } });
    await rig.app.stop();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-kill-ca-')), 'ca.pem');
    fs.writeFileSync(caFile, rig.caPem);
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rig?.stop();
    fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    fs.rmSync(BUILD, { recursive: true, force: true });
  });

  it('reports exactly what was and was not sent after the restart, checks the unanswered batch in Defender, and imports no hash twice', async () => {
    const list = Array.from({ length: TOTAL }, (_, i) => createHash('sha1').update(`killed ${i}`).digest('hex'));
    let secondImportArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (secondImportArrived = resolve));
    let imports = 0;
    rig.defender.failNext(1, {
      delayMs: 600_000,
      matcher: (method, p) => {
        if (method !== 'POST' || !p.endsWith('/indicators/import') || ++imports !== 2) return false;
        secondImportArrived();
        return true;
      },
    });

    const first = await startBot(rig.env, caFile);
    children.push(first.child);
    const bulk = messageActivity(rig.connector.serviceUrl, `block campaign 11\n${list.join('\n')}`);
    expect((await rig.channel.post(first.url, bulk)).status).toBe(200);
    await arrived;
    first.child.kill('SIGKILL');
    await first.closed;
    expect(first.child.signalCode).toBe('SIGKILL');

    rig.connector.clear();
    rig.defender.clear();
    const second = await startBot(rig.env, caFile);
    children.push(second.child);
    const report = await rig.connector.waitFor((r) => headline(r).startsWith('Bulk block interrupted'), 30_000);
    const texts = cardTexts(cardOf(report));
    expect(texts[0]).toBe('Bulk block interrupted: 500 of 520 blocked');
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Blocked: 500. Not blocked: 0. Not sent yet: 0. Sent, answer not received: 20'),
        list[500],
        'Nothing more is sent until you resume.',
      ]),
    );
    expect(rig.defender.requests).toEqual([]);

    const resume = buttons(cardOf(report))['Resume: send the remaining 20'];
    expect((await rig.channel.post(second.url, executeActivity(rig.connector.serviceUrl, report.activityId ?? 'card', resume.verb!, resume.data!))).status).toBe(200);
    const done = await rig.connector.waitFor((r) => headline(r).startsWith('Bulk block done'), 30_000);
    expect(cardTexts(cardOf(done))[0]).toBe('Bulk block done: 20 files blocked');
    second.child.kill('SIGTERM');
    await second.closed;

    const lookups = rig.defender.requestsTo('GET', /\/indicators$/).map((r) => r.query.$filter);
    expect(lookups).toEqual([
      `indicatorValue in (${list
        .slice(500)
        .map((h) => `'${h}'`)
        .join(',')})`,
    ]);
    const applied = rig.defender.indicators().map((i) => i.indicatorValue);
    expect(new Set(applied)).toEqual(new Set(list));
    const resent = rig.defender
      .requestsTo('POST', /\/indicators\/import$/)
      .map((r) => (r.body as { Indicators: Array<{ indicatorValue: string }> }).Indicators.map((i) => i.indicatorValue));
    expect(resent).toEqual([list.slice(500)]);
  }, 240_000);
});
