import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefenderHttp, type HttpMethod } from '../../src/defender/defender-http';
import type { Logger } from '../../src/domain/ports';
import { DefenderError } from '../../src/errors';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A server on 127.0.0.1 that reads each request's body in full, counts it, then destroys the socket without answering. */
async function resettingServer(): Promise<{ url: string; received: Array<{ method: string; body: string }>; close: () => Promise<void> }> {
  const received: Array<{ method: string; body: string }> = [];
  const server: Server = createServer((req) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', body });
      req.socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/indicators`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port on 127.0.0.1 nobody listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api/indicators`;
}

function client(sleeps: number[] = []): DefenderHttp {
  return new DefenderHttp({
    timeoutMs: 5_000,
    logger: quiet,
    retry: { maxAttempts: 3, maxRetryAfterSeconds: 60, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) },
  });
}

async function failureOf(promise: Promise<unknown>): Promise<DefenderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DefenderError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('DefenderHttp: a connection lost after the request was sent', () => {
  it('reports a POST whose socket is reset after its body was read as outcomeUnknown, and sends it exactly once', async () => {
    const server = await resettingServer();
    try {
      const error = await failureOf(client().send({ kind: 'submit', method: 'POST', url: server.url, body: { indicatorValue: 'abc' } }, async () => 'token'));
      expect(error.reason).toBe('outcomeUnknown');
      expect(error.details.attempts).toBe(1);
      expect(server.received).toEqual([{ method: 'POST', body: JSON.stringify({ indicatorValue: 'abc' }) }]);
    } finally {
      await server.close();
    }
  });

  it.each<HttpMethod>(['GET', 'DELETE'])('retries an idempotent %s after a reset, reporting it as a network failure', async (method) => {
    const server = await resettingServer();
    try {
      const error = await failureOf(client().send({ kind: method === 'GET' ? 'query' : 'delete', method, url: server.url }, async () => 'token'));
      expect([error.reason, error.details.attempts, server.received.length]).toEqual(['network', 3, 3]);
    } finally {
      await server.close();
    }
  });
});

describe('DefenderHttp: a connection that was never made', () => {
  it('retries a refused POST as before (nothing reached Defender) and reports network', async () => {
    const sleeps: number[] = [];
    const error = await failureOf(client(sleeps).send({ kind: 'submit', method: 'POST', url: await closedPort(), body: {} }, async () => 'token'));
    expect([error.reason, error.details.attempts, sleeps.length]).toEqual(['network', 3, 2]);
  });
});

/** A server on 127.0.0.1 that answers each request with the next scripted status (then 200) and counts what it received. */
async function scriptedServer(statuses: number[], headers: Record<string, string> = {}): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.method ?? '');
      const status = statuses.shift() ?? 200;
      const body = status === 200 ? { id: '1' } : { error: { code: 'InternalServerError', message: `scripted ${status}`, target: 'corr-1' } };
      // Not chained: restify, loaded by other suites in the same worker, replaces writeHead with one that returns nothing.
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 200 ? {} : headers) });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/indicators`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('DefenderHttp: a block answered with an error that may come after it was carried out', () => {
  it.each([408, 500, 502, 504])('reports a block answered %i as outcomeUnknown, sent exactly once, keeping the correlation id', async (status) => {
    const server = await scriptedServer([status, status, status]);
    try {
      const error = await failureOf(client().send({ kind: 'submit', method: 'POST', url: server.url, body: {} }, async () => 'token'));
      expect([error.reason, error.details.httpStatus, error.details.correlationId, error.details.attempts]).toEqual(['outcomeUnknown', status, 'corr-1', 1]);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(server.received).toEqual(['POST']);
    } finally {
      await server.close();
    }
  });

  it('retries a block answered 503 after the Retry-After it names (not processed), then succeeds', async () => {
    const sleeps: number[] = [];
    const server = await scriptedServer([503], { 'retry-after': '2' });
    try {
      const answer = await client(sleeps).send({ kind: 'submit', method: 'POST', url: server.url, body: {} }, async () => 'token');
      expect([answer.status, server.received.length, sleeps]).toEqual([200, 2, [2000]]);
    } finally {
      await server.close();
    }
  });

  it('retries a block answered 429 after its Retry-After, then succeeds', async () => {
    const sleeps: number[] = [];
    const server = await scriptedServer([429], { 'retry-after': '1' });
    try {
      const answer = await client(sleeps).send({ kind: 'block', method: 'POST', url: server.url, body: {} }, async () => 'token');
      expect([answer.status, server.received.length, sleeps]).toEqual([200, 2, [1000]]);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a lookup (GET)', 'query', 'GET'],
    ['an import (POST, which overwrites the same indicators when repeated)', 'import', 'POST'],
  ] as const)('still retries %s answered 500, then succeeds', async (_name, kind, method) => {
    const server = await scriptedServer([500]);
    try {
      const answer = await client().send({ kind, method, url: server.url, body: method === 'POST' ? {} : undefined }, async () => 'token');
      expect([answer.status, server.received.length]).toEqual([200, 2]);
    } finally {
      await server.close();
    }
  });
});
