import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { FakeConnector } from '../fakes/fake-connector';
import { executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

const headline = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] ?? '';
  } catch {
    return '';
  }
};

describe('local mode: the simulator shows containment and the follow-up with no Azure', () => {
  let app: RunningApp;
  let connector: FakeConnector;
  let dataDir: string;

  beforeAll(async () => {
    connector = await new FakeConnector({ anonymous: true }).start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-local-'));
    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', CONTAIN_POLL_SECONDS: '1', FOLLOW_UP_AFTER_SECONDS: '1' });
    app = await startApp(config, createLogger(config.logLevel));
  });
  afterAll(async () => {
    await app.stop();
    await connector.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function say(text: string): Promise<Record<string, unknown>> {
    const activity = messageActivity(connector.serviceUrl, text);
    const posted = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect(posted.status).toBe(200);
    return activity;
  }

  it('a block offers stop & quarantine, gets its follow-up, and contain tracks the simulated devices on one card', async () => {
    await say(`block ${SHA1} trying it out`);
    const blocked = await connector.waitFor((r) => r.method === 'POST' && headline(r) === 'File blocked', 10_000);
    expect(JSON.stringify(cardOf(blocked))).toContain('Stop & quarantine where seen');
    const followUp = await connector.waitFor((r) => r.method === 'POST' && headline(r).startsWith('Follow-up'), 15_000);
    expect(headline(followUp)).toBe('Follow-up: the block is still in force');

    await say(`contain ${SHA1} trying it out`);
    const card = await connector.waitFor((r) => r.method === 'POST' && headline(r).startsWith('Stop & quarantine: sending'), 10_000);
    const update = await connector.waitFor((r) => r.method === 'PUT' && r.activityId === messageId(card) && headline(r).startsWith('Stop & quarantine running'), 10_000);
    const texts = replyTexts(update).join('\n');
    expect(texts).toContain('Not supported on this device');
    expect(texts).toMatch(/Pending: Defender waits for the device|In progress/);
  });

  it('a Microsoft-signed file blocked anyway gets no stop & quarantine button (Defender refuses those on every device)', async () => {
    await say('block 5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1 signed but suspicious');
    const warning = await connector.waitFor((r) => r.method === 'POST' && headline(r) === 'Check before blocking', 10_000);
    const anyway = buttons(cardOf(warning))['Block anyway'];
    const press = executeActivity(connector.serviceUrl, messageId(warning), anyway.verb!, anyway.data!);
    const answer = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(press) });
    expect(answer.status).toBe(200);
    const card = ((await answer.json()) as { value: Record<string, unknown> }).value;
    expect(cardTexts(card)[0]).toBe('Block sent, but Defender does not block Microsoft-signed files');
    expect(Object.keys(buttons(card))).toEqual(['Undo']);
  });
});
