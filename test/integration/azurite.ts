import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/** Azurite's well-known development account key (public, documented, not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const LISTENING = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/;
const STOP_GRACE_MS = 3_000;

/** A running Azurite blob service on loopback. */
export interface Azurite {
  readonly connectionString: string;
  readonly port: number;
  /** Stops the process and removes its working folder. */
  stop(): Promise<void>;
}

/**
 * Starts Azurite's blob service as a child process on 127.0.0.1 and a free port, in memory,
 * telemetry off; rejects with Azurite's own output if it is not listening within `timeoutMs`.
 */
export async function startAzurite(timeoutMs = 15_000): Promise<Azurite> {
  const workDir = mkdtempSync(join(tmpdir(), 'azurite-'));
  const flags = [
    ...['--blobHost', '127.0.0.1', '--blobPort', '0'],
    ...['--inMemoryPersistence', '--extentMemoryLimit', '256'],
    ...['--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'],
  ];
  const child = spawn(process.execPath, ['-e', launcher(require.resolve('azurite/dist/src/blob/main.js')), '--', ...flags], {
    cwd: workDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    const port = await listeningPort(child, timeoutMs);
    return {
      port,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
      stop: async () => {
        await stopProcess(child);
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcess(child);
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

/** Runs Azurite's blob entry point, and exits when stdin closes, so a crashed test run leaves no orphan. */
function launcher(main: string): string {
  return [
    "process.stdin.on('end', () => process.exit(0));",
    'process.stdin.resume();',
    `process.argv.splice(1, 0, ${JSON.stringify(main)});`,
    `require(${JSON.stringify(main)});`,
  ].join(' ');
}

function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const finish = (error: Error | undefined, port?: number) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) return reject(error);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(port as number);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => finish(new Error(`Azurite exited before listening (code ${code}, signal ${signal}):\n${output}`));
    const onError = (error: Error) => finish(new Error(`Azurite could not be started: ${error.message}`));
    const timer = setTimeout(() => finish(new Error(`Azurite was not listening after ${timeoutMs} ms; its output:\n${output || '(none)'}`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Closes stdin (the launcher exits at once; data is in memory), SIGKILL after a grace period; resolves on exit. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve();
    });
    child.stdin?.end();
  });
}

/** The connection string of the same account served at another loopback port (a proxy's). */
export function viaPort(connectionString: string, port: number): string {
  return connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
}

/** A new, empty container with a unique name, and a way to reach it through a separate client. */
export async function freshContainer(connectionString: string): Promise<{ readonly container: ContainerClient; reconnect(): ContainerClient; remove(): Promise<void> }> {
  const name = `t-${randomUUID()}`;
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name);
  await container.create();
  return {
    container,
    reconnect: () => BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name),
    remove: async () => {
      await container.deleteIfExists();
    },
  };
}

/** Every blob name in the container, in listing order. */
export async function blobNames(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const item of container.listBlobsFlat()) names.push(item.name);
  return names;
}

/** A loopback proxy to Azurite that lets each successful request `drop` picks through, then cuts the connection instead of answering. */
export async function lossyProxy(azurite: Azurite, drop: (req: IncomingMessage) => boolean): Promise<{ readonly port: number; readonly dropped: number; close(): Promise<void> }> {
  const state = { dropped: 0 };
  const server = createServer((req, res) => {
    const forwarded = request({ host: '127.0.0.1', port: azurite.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
      if (drop(req) && upstream.statusCode !== undefined && upstream.statusCode < 300) {
        state.dropped += 1;
        upstream.resume();
        req.socket.destroy();
        return;
      }
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get dropped() {
      return state.dropped;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Forwards one request to Azurite as it came and pipes the answer back; `answered` sees Azurite's status. Proxies in tests count or fail requests around it. */
export function forwardToAzurite(azurite: Azurite, req: IncomingMessage, res: ServerResponse, answered: (status: number) => void = () => undefined): void {
  const forwarded = request({ host: '127.0.0.1', port: azurite.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
    answered(upstream.statusCode ?? 0);
    res.writeHead(upstream.statusCode ?? 502, upstream.headers);
    upstream.pipe(res);
  });
  forwarded.on('error', () => res.destroy());
  req.pipe(forwarded);
}
