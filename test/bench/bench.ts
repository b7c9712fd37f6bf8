import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApp } from '../../src/app';
import { fileStatusReply } from '../../src/cards/block-views';
import { normalizeMessageText } from '../../src/commands/normalize-text';
import { parseCommand } from '../../src/commands/parse';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { closeServer, listen, readBody, sendJson } from '../fakes/http-json';
import { messageActivity } from '../fixtures/activities';
import { blobRoundTrips } from './blob-round-trips';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

function rate(label: string, n: number, run: () => void): void {
  const start = performance.now();
  for (let i = 0; i < n; i++) run();
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(34)} ${Math.round((n / ms) * 1000)
      .toLocaleString('en-US')
      .padStart(10)} ops/s  (${n} in ${ms.toFixed(0)} ms)`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Counts the disk flushes (fdatasync of the SQLite WAL) the app makes: each is one wait for the disk. */
function countDiskFlushes(): { count(): number; stop(): void } {
  const original = fs.fdatasync;
  let flushes = 0;
  fs.fdatasync = ((fd: number, callback: fs.NoParamCallback) => {
    flushes += 1;
    original(fd, callback);
  }) as typeof fs.fdatasync;
  return { count: () => flushes, stop: () => void (fs.fdatasync = original) };
}

/** Local-mode round trips: POST /api/messages → card reply at a sink connector. */
async function endToEnd(total: number, concurrency: number): Promise<void> {
  const waiting = new Map<string, () => void>();
  let blocked = 0;
  const sink = http.createServer(async (req, res) => {
    const raw = (await readBody(req)) || '{}';
    const body = JSON.parse(raw) as { type?: string; replyToId?: string };
    sendJson(res, 200, { id: `r${Math.random()}` });
    if (body.type === 'message' && body.replyToId) {
      if (raw.includes('File blocked')) blocked += 1;
      waiting.get(body.replyToId)?.();
    }
  });
  const serviceUrl = await listen(sink);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const app = await startApp(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir }), createLogger('silent'));
  const latencies: number[] = [];
  const heapBefore = process.memoryUsage().heapUsed;
  const flushes = countDiskFlushes();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      // A new file each time: the same hash again would only ask to confirm replacing its block.
      const sha1 = createHash('sha1').update(`bench ${concurrency} ${i}`).digest('hex');
      const activity = messageActivity(serviceUrl, `block ${sha1} bench ${i}`, { id: `bench-${i}` });
      const t0 = performance.now();
      const replied = new Promise<void>((resolve) => waiting.set(`bench-${i}`, resolve));
      const res = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      await replied;
      waiting.delete(`bench-${i}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  flushes.stop();
  latencies.sort((a, b) => a - b);
  const mem = process.memoryUsage();
  console.log(`end-to-end blocks (local mode)      ${total} with ${concurrency} in flight: ${(total / (elapsed / 1000)).toFixed(0)} blocks/s, ${blocked} answered "File blocked"`);
  console.log(
    `  latency ms                        p50 ${percentile(latencies, 50).toFixed(1)}  p95 ${percentile(latencies, 95).toFixed(1)}  max ${latencies[latencies.length - 1].toFixed(1)}`,
  );
  console.log(`  memory                            rss ${mb(mem.rss)}  heap ${mb(mem.heapUsed)} (heap grew ${mb(mem.heapUsed - heapBefore)})`);
  console.log(`  disk flushes per block            ${(flushes.count() / total).toFixed(2)} (SQLite commits wait for them; under load one serves many turns)`);
  await app.stop();
  await closeServer(sink);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** A 10,000-hash CSV through local mode: time until the progress card says every hash is accounted for. */
async function bulk(total: number): Promise<void> {
  const csv = ['sha1,comment', ...Array.from({ length: total }, (_, i) => `${createHash('sha1').update(`bench-${i}`).digest('hex')},bench row ${i}`)].join('\n');
  let finished: (text: string) => void = () => undefined;
  const done = new Promise<string>((resolve) => (finished = resolve));
  const sink = http.createServer(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(csv);
      return;
    }
    const body = await readBody(req);
    sendJson(res, 200, { id: `r${Math.random()}` });
    const match = /Bulk block done: [^"]*/.exec(body);
    if (req.method === 'PUT' && match) finished(match[0]);
  });
  const serviceUrl = await listen(sink);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const app = await startApp(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir }), createLogger('silent'));
  const activity = {
    ...messageActivity(serviceUrl, 'block bench list', { id: 'bench-bulk' }),
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'iocs.csv', content: { downloadUrl: `${serviceUrl}/iocs.csv`, fileType: 'csv' } }],
  };
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const headline = await done;
  const ms = performance.now() - started;
  console.log(
    `bulk block of ${total.toLocaleString('en-US')} hashes (CSV, local)  ${(ms / 1000).toFixed(1)} s, ${Math.round(total / (ms / 1000)).toLocaleString('en-US')} hashes/s: ${headline}`,
  );
  console.log(`  heap grew                          ${mb(process.memoryUsage().heapUsed - heapBefore)}`);
  await app.stop();
  await closeServer(sink);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`defender-block-bot benchmark, node ${process.version}`);
  rate('parse "block <sha1> <comment>"', 200_000, () => parseCommand(`block ${SHA1} Dropper from alert 32123`));
  rate('parse channel HTML message', 100_000, () => parseCommand(`<p>block ${SHA1.toUpperCase()} seen &amp; confirmed<br>line two</p>`));
  for (const [label, body] of [
    ['256 KB of <', '<'.repeat(256 * 1024)],
    ['256 KB of <<<< then >', `${'<'.repeat(256 * 1024 - 1)}>`],
    ['256 KB of "<a "', '<a '.repeat(87_381)],
    ['256 KB of <at> unclosed', '<at>'.repeat(65_536)],
    ['256 KB of &amp;', '&amp;'.repeat(52_428)],
    ['256 KB of &#', '&#'.repeat(131_072)],
  ]) {
    const runs = 20;
    const start = performance.now();
    for (let i = 0; i < runs; i++) normalizeMessageText(body);
    console.log(`${`normalize ${label}`.padEnd(34)} ${((performance.now() - start) / runs).toFixed(2).padStart(10)} ms each  (target < 5 ms)`);
  }
  const status = {
    fileIdentifier: SHA1,
    fileIdentifierType: 'Sha1',
    actionType: 'Block',
    fileStatus: 'Blocked',
    creationDateTimeUtc: '2017-12-04T13:06:23.4502191Z',
    requestor: 'Analyst@contoso.com',
    requestorComment: 'Dropper [click](https://evil.example)',
    lastUpdateDateTimeUtc: '2017-12-04T13:06:23.4502191Z',
    confirmed: true,
    source: 'files' as const,
  };
  rate('render file-status card', 10_000, () => fileStatusReply(status));
  const size = JSON.stringify(fileStatusReply(status).card.content).length * 2;
  console.log(`file-status card size               ${size} bytes (UTF-16), limit 40960`);
  await endToEnd(Number(process.env.BENCH_BLOCKS_ONE_AT_A_TIME ?? 200), 1);
  await endToEnd(Number(process.env.BENCH_BLOCKS ?? 500), Number(process.env.BENCH_CONCURRENCY ?? 20));
  await bulk(Number(process.env.BENCH_BULK ?? 10_000));
  await blobRoundTrips(Number(process.env.BENCH_BLOB_COMMANDS ?? 50));
  floorComparison();
}

/** How to measure the bot against the echo-bot floor, when the shared benchmark kit is beside the project. */
function floorComparison(): void {
  const root = path.join(__dirname, '..', '..', '..');
  const kit = [path.join(root, '..', 'shared', 'bench'), path.join(root, 'shared', 'bench')].find((dir) => fs.existsSync(path.join(dir, 'compare.mjs')));
  if (!kit) return;
  console.log(`
Against the echo-bot floor (same stack, no product logic), from the project folder:
  cp -r ${kit} /tmp/bench && (cd /tmp/bench && npm ci)
  node /tmp/bench/compare.mjs --a "npm start" --a-cwd "$PWD" --b "npm start" --b-cwd /tmp/bench \\
       --text "block {sha1} bench {i}" --expect "{sha1}" --reply card
  node /tmp/bench/load.mjs --cmd "node dist/src/index.js" --cwd "$PWD" --expect "{sha1}" --reply card \\
       --concurrency 1000 --n 4000 --prewarm 1000`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
