import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../fixtures/free-port';
import { FakeConnector } from '../fakes/fake-connector';
import { messageActivity } from '../fixtures/activities';
import { replyTexts } from './rig';

const ROOT = path.join(__dirname, '../..');
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${output}`));
    });
  });
}

describe('npm start with no configuration (what the README tells a newcomer)', () => {
  let child: ChildProcess;
  let connector: FakeConnector;

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    await connector?.close();
  });

  it('runs local mode and blocks a file through the simulator, then shuts down on SIGTERM', async () => {
    connector = await new FakeConnector({ anonymous: true }).start();
    const port = await freePort();
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await waitForOutput(child, /Listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages/, 120_000);
    expect(output).toContain('Local mode: built-in Defender simulator, local role directory, inbound auth off.');

    const activity = messageActivity(connector.serviceUrl, `block ${SHA1} first try from the README`);
    const posted = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    expect(posted.status).toBe(200);
    const reply = await connector.waitFor((r) => (r.body as { type?: string }).type === 'message', 10_000);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('File blocked');
    expect(texts).toEqual(expect.arrayContaining([SHA1, 'Requested by: Ana Analyst', 'Via: Simulator (local mode)', 'first try from the README']));
    expect(texts.join(' ')).toContain('No real device was affected');
    expect(reply.authorized).toBe(true);

    let after = '';
    child.stdout?.on('data', (chunk: Buffer) => (after += chunk.toString()));
    // 'close', not 'exit': 'exit' can come before the last output is read from the pipes, which the bot (npm's child) shares.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
    expect(after).toContain('Shutting down: finishing in-flight work');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 'closed',
    );
    expect(health).toBe('closed');
  }, 180_000);
});
