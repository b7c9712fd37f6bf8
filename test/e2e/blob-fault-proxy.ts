import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToAzurite, type Azurite } from '../integration/azurite';

/** Which storage requests a fault hits: method and the blob path after the account (`/{container}/{blob}`), decoded. */
export type BlobMatcher = (method: string, path: string) => boolean;

/** A storage request as the proxy saw it and how it ended: Azurite's status, a scripted status, or 'stalled'. */
export interface BlobRequest {
  readonly method: string;
  readonly path: string;
  outcome: number | 'stalled';
}

/**
 * A loopback proxy in front of Azurite that injects faults: every matching request answers a status
 * in Azure Storage's error shape (`fail`), or is held without an answer (`stall`), until `heal()`.
 */
export interface BlobFaultProxy {
  readonly port: number;
  readonly requests: BlobRequest[];
  fail(status: number, matcher: BlobMatcher): void;
  stall(matcher: BlobMatcher): void;
  heal(): void;
  close(): Promise<void>;
}

const ERROR_CODES: Record<number, string> = { 500: 'InternalError', 503: 'ServerBusy' };

/** Starts a BlobFaultProxy in front of `azurite`. */
export async function blobFaultProxy(azurite: Azurite): Promise<BlobFaultProxy> {
  const requests: BlobRequest[] = [];
  let fault: { readonly kind: 'fail'; readonly status: number; readonly matcher: BlobMatcher } | { readonly kind: 'stall'; readonly matcher: BlobMatcher } | undefined;
  const held = new Set<IncomingMessage>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/[^/]+/, ''));
    const seen: BlobRequest = { method: req.method ?? '', path, outcome: 0 };
    requests.push(seen);
    if (fault?.matcher(seen.method, path)) {
      if (fault.kind === 'stall') {
        seen.outcome = 'stalled';
        held.add(req);
        req.resume();
        req.socket.once('close', () => held.delete(req));
        return;
      }
      seen.outcome = fault.status;
      const code = ERROR_CODES[fault.status] ?? 'InternalError';
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
      res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>Scripted ${fault.status}</Message></Error>`);
      return;
    }
    forwardToAzurite(azurite, req, res, (status) => (seen.outcome = status));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    fail: (status, matcher) => void (fault = { kind: 'fail', status, matcher }),
    stall: (matcher) => void (fault = { kind: 'stall', matcher }),
    heal: () => {
      fault = undefined;
      for (const req of held) req.socket.destroy();
      held.clear();
    },
    close: () => {
      for (const req of held) req.socket.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
