import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { closeServer, listen, readBody, sendJson } from '../fakes/http-json';
import { messageActivity } from '../fixtures/activities';
import { forwardToAzurite, startAzurite, viaPort, type Azurite } from '../integration/azurite';

/** What one command may cost in storage round trips on the hot path. */
const TARGET = 3;

/** A loopback proxy in front of Azurite that counts every request by method and path shape. */
async function countingProxy(azurite: Azurite): Promise<{ readonly port: number; take(): Map<string, number>; close(): Promise<void> }> {
  let counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const shape = shapeOf(req.method ?? '?', req.url ?? '/');
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
    forwardToAzurite(azurite, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    take: () => {
      const taken = counts;
      counts = new Map();
      return taken;
    },
    close: () => closeServer(server),
  };
}

/** `PUT {container}/once/activity:{…}` style: the account dropped, ids and hashes folded, `comp`/`restype` kept. */
function shapeOf(method: string, url: string): string {
  const parsed = new URL(url, 'http://x');
  const [, , container = '', ...rest] = parsed.pathname.split('/');
  const name = safeDecode(safeDecode(rest.join('/')))
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{uuid}')
    .replace(/[0-9a-f]{40}/gi, '{sha1}')
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '{time}')
    .replace(/bench-(block|status)-[\w-]+?-\d+$/, 'bench-$1-{label}-{i}')
    .replace(/\d{6,}/g, '{n}');
  const where = container.endsWith('-audit') ? '{container}-audit' : container ? '{container}' : '';
  const query = ['restype', 'comp'].flatMap((key) => (parsed.searchParams.has(key) ? [`${key}=${parsed.searchParams.get(key)}`] : []));
  return `${method} /${[where, name].filter(Boolean).join('/')}${query.length ? `?${query.join('&')}` : ''}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Azure Blob mode's storage cost per command: the bot in-process with `STORAGE=azure-blob` against
 * Azurite behind a counting proxy; commands one at a time, each counted from its POST to its reply.
 */
export async function blobRoundTrips(commands: number): Promise<void> {
  const azurite = await startAzurite();
  const proxy = await countingProxy(azurite);
  const replied = new Map<string, () => void>();
  const sink = http.createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}') as { type?: string; replyToId?: string };
    sendJson(res, 200, { id: `r${Math.random()}` });
    if (body.type === 'message' && body.replyToId) replied.get(body.replyToId)?.();
  });
  const serviceUrl = await listen(sink);
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    STORAGE: 'azure-blob',
    AZURE_STORAGE_CONNECTION_STRING: viaPort(azurite.connectionString, proxy.port),
    AZURE_STORAGE_CONTAINER: `bench-${Date.now()}`,
  });
  const app = await startApp(config, createLogger('silent'));
  const send = async (id: string, text: string): Promise<void> => {
    const reply = new Promise<void>((resolve) => replied.set(id, resolve));
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageActivity(serviceUrl, text, { id })),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    await reply;
    replied.delete(id);
  };
  const hash = (seed: string) => createHash('sha1').update(`bench-blob-${seed}`).digest('hex');
  /** Counts the storage requests of `commands` commands `text(i)` (after one warm-up, `text(-1)`), and prints them per command. */
  const measure = async (label: string, verb: 'block' | 'status', text: (i: number) => string): Promise<void> => {
    const slug = label.replace(/\W+/g, '-');
    await send(`bench-${verb}-${slug}-warm`, text(-1));
    proxy.take();
    for (let i = 0; i < commands; i++) await send(`bench-${verb}-${slug}-${i}`, text(i));
    const counts = proxy.take();
    const per = [...counts.values()].reduce((sum, n) => sum + n, 0) / commands;
    console.log(`azure-blob storage round trips per ${label}: ${formatPer(per)} (target <= ${TARGET})${per > TARGET ? '  ABOVE TARGET' : ''}`);
    for (const [shape, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      console.log(`  ${formatPer(n / commands).padStart(5)}  ${shape}`);
    }
  };
  try {
    console.log(`azure-blob round trips (Azurite on loopback, ${commands} commands each, one at a time, after one warm-up)`);
    await measure('block', 'block', (i) => `block ${hash(`b${i}`)} bench ${i}`);
    await measure('status', 'status', (i) => `status ${hash(`b${i}`)}`);
    await measure('status of a hash with no history', 'status', (i) => `status ${hash(`s${i}`)}`);
    console.log(
      "  (status lists only the hash's own index, audit-hash/<hash>/, however long the trail; each audit entry with a hash is two writes sent at once: the entry and its index blob)",
    );
  } finally {
    await app.stop();
    await closeServer(sink);
    await proxy.close();
    await azurite.stop();
  }
}

function formatPer(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
