import type { AddressInfo } from 'node:net';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { hostAllowed, HttpFileTransfer, isForbiddenAddress, MAX_REDIRECTS, type ResolveHost } from '../../src/bot/file-transfer';
import { DEFAULT_FILE_DOWNLOAD_HOSTS } from '../../src/config-schema';
import { createTestCa } from '../fakes/test-ca';

const HOSTS = DEFAULT_FILE_DOWNLOAD_HOSTS.split(',');
const SHAREPOINT = 'contoso.sharepoint.com';
/** A public documentation (TEST-NET-3) address the fake DNS answers for SHAREPOINT; the test routes it to 127.0.0.1. */
const PUBLIC = '203.0.113.10';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A loopback HTTPS server that plays the hosts named in `routes`: the bot's resolver answers each with a public
 * address, and TLS connections for those names are delivered here (with the test CA trusted for them only).
 * Connections for any other name fail the test, so nothing ever leaves 127.0.0.1.
 */
class FakeNet {
  readonly requests: Array<{ host: string; path: string }> = [];
  readonly resolved: string[] = [];
  readonly dialled: string[] = [];
  private readonly ca = createTestCa();
  private readonly handlers = new Map<string, Handler>();
  private server?: https.Server;
  private connect?: typeof tls.connect;
  private patched?: typeof tls.connect;
  port = 0;

  constructor(private readonly answers: Record<string, string[]>) {}

  route(host: string, handler: Handler): void {
    this.handlers.set(host, handler);
  }

  readonly resolve: ResolveHost = (hostname) => {
    this.resolved.push(hostname);
    const addresses = this.answers[hostname];
    if (!addresses) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

  async start(): Promise<this> {
    const cert = this.ca.issue(Object.keys(this.answers));
    this.server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      this.requests.push({ host, path: req.url ?? '' });
      const handler = this.handlers.get(host);
      if (handler) handler(req, res);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    const connect = (this.connect = tls.connect);
    const caPem = this.ca.caPem;
    const dialled = this.dialled;
    this.patched = function (this: unknown, ...args: unknown[]) {
      const options = args[0] as tls.ConnectionOptions & { lookup?: (h: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) => void };
      // Where the bot asked to connect: its pinned lookup says.
      options.lookup?.(options.host ?? '', {}, (_error: unknown, address: unknown) => dialled.push(String(address)));
      if (dialled.at(-1) !== PUBLIC) throw new Error(`the test network refuses to dial ${String(dialled.at(-1))}`);
      args[0] = {
        ...options,
        ca: [caPem],
        lookup: (_h: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)),
      };
      return (connect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
    };
    tls.connect = this.patched;
    return this;
  }

  url(host: string, path: string): string {
    return `https://${host}:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    if (this.connect && tls.connect === this.patched) tls.connect = this.connect;
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function redirect(res: http.ServerResponse, status: number, location: string): void {
  res.statusCode = status;
  res.setHeader('location', location);
  res.end();
}

/** A plain loopback HTTP server standing in for the attacker's; counts what reaches it. */
async function attackerServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('7327b54fd718525cbca07dacde913b5ac3c85673,secret');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.9.8.7',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:7f00:1',
    '::ffff:a00:1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['13.107.136.9', '52.104.0.1', '203.0.113.10', '172.32.0.1', '2603:1061::1', '::ffff:13.107.136.9'])('allows the public address %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('hostAllowed', () => {
  it('matches sub-domains of a suffix entry and exact host entries, nothing else', () => {
    expect(hostAllowed('contoso.sharepoint.com', HOSTS)).toBe(true);
    expect(hostAllowed('contoso-my.SharePoint.com.', HOSTS)).toBe(true);
    expect(hostAllowed('contoso.sharepoint.us', HOSTS)).toBe(true);
    expect(hostAllowed('sharepoint.com', HOSTS)).toBe(false);
    expect(hostAllowed('evilsharepoint.com', HOSTS)).toBe(false);
    expect(hostAllowed('contoso.sharepoint.com.evil.example', HOSTS)).toBe(false);
    expect(hostAllowed('files.example.org', ['files.example.org'])).toBe(true);
    expect(hostAllowed('a.files.example.org', ['files.example.org'])).toBe(false);
  });
});

describe('HttpFileTransfer.download in production', () => {
  let net: FakeNet;
  beforeEach(async () => {
    net = await new FakeNet({
      [SHAREPOINT]: [PUBLIC],
      'other.sharepoint.com': [PUBLIC],
      'evil.example.net': [PUBLIC],
      'loopback.sharepoint.com': ['127.0.0.1'],
      'metadata.sharepoint.com': ['169.254.169.254'],
      'intranet.sharepoint.com': ['10.0.0.5'],
      'mixed.sharepoint.com': [PUBLIC, '10.0.0.5'],
      'mapped.sharepoint.com': ['::ffff:127.0.0.1'],
      'ula.sharepoint.com': ['fd12::1'],
    }).start();
  });
  afterEach(() => net.stop());

  const transfer = (downloadHosts: readonly string[] = HOSTS) => new HttpFileTransfer({ mode: 'production', timeoutMs: 5000, downloadHosts, resolve: net.resolve });

  it('downloads from an allowed host, connected to the address it checked', async () => {
    net.route(SHAREPOINT, (_req, res) => res.end('\uFEFFsha1\n7327b54fd718525cbca07dacde913b5ac3c85673'));
    await expect(transfer().download(net.url(SHAREPOINT, '/iocs.csv'), 1024)).resolves.toBe('sha1\n7327b54fd718525cbca07dacde913b5ac3c85673');
    expect(net.dialled).toEqual([PUBLIC]);
    expect(net.requests).toEqual([{ host: SHAREPOINT, path: '/iocs.csv' }]);
  });

  it('refuses a host that is not on the allow-list without resolving or contacting it', async () => {
    await expect(transfer().download(net.url('evil.example.net', '/x.csv'), 1024)).rejects.toThrow(/FILE_DOWNLOAD_HOSTS/);
    expect(net.resolved).toEqual([]);
    expect(net.requests).toEqual([]);
  });

  it('refuses plain HTTP, even to loopback, and address literals that are not allowed', async () => {
    const attacker = await attackerServer();
    try {
      await expect(transfer().download(`${attacker.url}/x.csv`, 1024)).rejects.toThrow(/HTTPS/);
      await expect(transfer(['127.0.0.1']).download(`${attacker.url.replace('http:', 'https:')}/x.csv`, 1024)).rejects.toThrow(/private or local/);
      await expect(transfer().download('https://169.254.169.254/latest/meta-data', 1024)).rejects.toThrow(/FILE_DOWNLOAD_HOSTS/);
      expect(attacker.hits()).toBe(0);
    } finally {
      await attacker.close();
    }
  });

  it.each(['loopback', 'metadata', 'intranet', 'mixed', 'mapped', 'ula'])('refuses an allowed name whose DNS answer is not public (%s) before connecting', async (name) => {
    await expect(transfer().download(net.url(`${name}.sharepoint.com`, '/x.csv'), 1024)).rejects.toThrow(/private or local address/);
    expect(net.dialled).toEqual([]);
    expect(net.requests).toEqual([]);
  });

  it('refuses a host explicitly listed in FILE_DOWNLOAD_HOSTS when it resolves to loopback', async () => {
    await expect(transfer(['loopback.sharepoint.com']).download(net.url('loopback.sharepoint.com', '/x.csv'), 1024)).rejects.toThrow(/private or local/);
    expect(net.dialled).toEqual([]);
  });

  it('does not follow a redirect from an allowed host to a host that is not allowed', async () => {
    net.route(SHAREPOINT, (_req, res) => redirect(res, 302, net.url('evil.example.net', '/steal')));
    net.route('evil.example.net', (_req, res) => res.end('7327b54fd718525cbca07dacde913b5ac3c85673,leaked'));
    await expect(transfer().download(net.url(SHAREPOINT, '/iocs.csv'), 1024)).rejects.toThrow(/redirected to a host the bot does not download from/);
    expect(net.requests).toEqual([{ host: SHAREPOINT, path: '/iocs.csv' }]);
    expect(net.resolved).not.toContain('evil.example.net');
  });

  it('does not follow a redirect to plain HTTP or to an allowed name that resolves to a private address', async () => {
    net.route(SHAREPOINT, (req, res) => redirect(res, 307, req.url === '/a' ? `http://other.sharepoint.com:${net.port}/b` : net.url('intranet.sharepoint.com', '/c')));
    await expect(transfer().download(net.url(SHAREPOINT, '/a'), 1024)).rejects.toThrow(/HTTPS/);
    await expect(transfer().download(net.url(SHAREPOINT, '/b'), 1024)).rejects.toThrow(/private or local/);
    expect(net.requests.map((r) => r.path)).toEqual(['/a', '/b']);
  });

  it(`follows at most ${MAX_REDIRECTS} redirects between allowed hosts`, async () => {
    net.route(SHAREPOINT, (req, res) => redirect(res, 302, `/hop${Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0) + 1}`));
    await expect(transfer().download(net.url(SHAREPOINT, '/hop0'), 1024)).rejects.toThrow(/too many redirects/);
    expect(net.requests).toHaveLength(MAX_REDIRECTS + 1);

    net.route('other.sharepoint.com', (_req, res) => res.end('ok'));
    net.route(SHAREPOINT, (_req, res) => redirect(res, 301, net.url('other.sharepoint.com', '/file.csv')));
    await expect(transfer().download(net.url(SHAREPOINT, '/moved'), 1024)).resolves.toBe('ok');
  });

  it('aborts a body that never ends once it passes the limit, without reading it whole', async () => {
    const limit = 64 * 1024;
    const chunk = Buffer.alloc(16 * 1024, 'a');
    let written = 0;
    let closed = false;
    net.route(SHAREPOINT, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      const timer = setInterval(() => {
        if (closed) return;
        res.write(chunk);
        written += chunk.length;
      }, 2);
      res.on('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    const started = Date.now();
    await expect(transfer().download(net.url(SHAREPOINT, '/forever.csv'), limit)).rejects.toThrow(/larger than 64 KB/);
    expect(Date.now() - started).toBeLessThan(4000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
    // What the server got out before the bot hung up: the limit, the chunk that crossed it, and what was in flight.
    expect(written).toBeLessThanOrEqual(limit + 4 * chunk.length);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    net.route(SHAREPOINT, (_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('x');
    });
    await expect(transfer().download(net.url(SHAREPOINT, '/big.csv'), 1024)).rejects.toThrow(/larger than 1 KB/);
  });
});

describe('HttpFileTransfer.download in local mode', () => {
  it('reaches loopback over plain HTTP (local tools), but still only allow-listed hosts elsewhere', async () => {
    const local = await attackerServer();
    const resolve = jest.fn<ReturnType<ResolveHost>, Parameters<ResolveHost>>();
    try {
      const transfer = new HttpFileTransfer({ mode: 'local', timeoutMs: 5000, downloadHosts: HOSTS, resolve });
      await expect(transfer.download(`${local.url}/iocs.csv`, 1024)).resolves.toContain('7327b54f');
      await expect(transfer.download('https://evil.example.net/x.csv', 1024)).rejects.toThrow(/FILE_DOWNLOAD_HOSTS/);
      expect(resolve).not.toHaveBeenCalled();
    } finally {
      await local.close();
    }
  });
});

describe('the default resolver', () => {
  it('asks node:dns for every address of the host', async () => {
    const lookup = jest.spyOn(dns.promises, 'lookup').mockResolvedValue([{ address: '10.0.0.1', family: 4 }] as never);
    try {
      const transfer = new HttpFileTransfer({ mode: 'production', timeoutMs: 1000, downloadHosts: HOSTS });
      await expect(transfer.download('https://contoso.sharepoint.com/x.csv', 1024)).rejects.toThrow(/private or local/);
      expect(lookup).toHaveBeenCalledWith('contoso.sharepoint.com', expect.objectContaining({ all: true }));
    } finally {
      lookup.mockRestore();
    }
  });
});
