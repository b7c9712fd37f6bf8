import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { FileTransferError } from '../errors';

/** Moves files between the bot and Teams: CSV lists in, audit exports out. */
export interface FileTransfer {
  /** Fetches a file the user attached; refuses more than `maxBytes`. */
  download(url: string, maxBytes: number): Promise<string>;
  /** Puts a file at a Teams/OneDrive upload URL granted by a file consent card (one range, whole file). */
  upload(uploadUrl: string, content: Buffer): Promise<void>;
}

/** A DNS answer: every address of a host. */
export type ResolveHost = (hostname: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

/** Where and how attached files may be downloaded from. */
export interface HttpFileTransferOptions {
  readonly mode: 'local' | 'production';
  readonly timeoutMs: number;
  /** Host suffixes (".sharepoint.com") or exact hosts downloads may come from (FILE_DOWNLOAD_HOSTS). */
  readonly downloadHosts: readonly string[];
  /** Resolves a host name (default node:dns lookup, every address); a seam for tests. */
  readonly resolve?: ResolveHost;
}

/** Redirects followed per download; each target is checked like the first address. */
export const MAX_REDIRECTS = 3;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** Addresses a download must never reach outside local mode: this machine, the link, private networks. */
const FORBIDDEN = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  FORBIDDEN.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2002::', 16],
] as const) {
  FORBIDDEN.addSubnet(prefix, bits, 'ipv6');
}

/** Whether an address is loopback, link-local, private, unique-local or otherwise not a public host (IPv4-mapped IPv6 included). */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(?:0:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const value = (parseInt(hexMapped[1], 16) << 16) | parseInt(hexMapped[2], 16);
    return FORBIDDEN.check([24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.'), 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

/** Whether `hostname` is on the allow-list: an entry ".x.com" matches any sub-domain of x.com, an entry "x.com" only itself. */
export function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('.') ? host.endsWith(e) && host.length > e.length : host === e;
  });
}

const defaultResolve: ResolveHost = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * FileTransfer over HTTPS. Downloads come only from allow-listed hosts whose every address is public; the
 * connection goes to the address that was checked, redirects are re-checked hop by hop, and the body is
 * streamed and cut off at the size limit. Local mode also reaches loopback (plain HTTP too) for local tools.
 */
export class HttpFileTransfer implements FileTransfer {
  private readonly resolve: ResolveHost;

  constructor(private readonly options: HttpFileTransferOptions) {
    this.resolve = options.resolve ?? defaultResolve;
  }

  async download(url: string, maxBytes: number): Promise<string> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let target = this.checkDownloadUrl(url);
    for (let hop = 0; ; hop++) {
      const address = await this.checkedAddress(target);
      const answer = await this.get(target, address, maxBytes, deadline);
      if (answer.kind === 'body') return answer.text;
      if (hop >= MAX_REDIRECTS) throw new FileTransferError('The attached file could not be downloaded (too many redirects).');
      let next: URL;
      try {
        next = new URL(answer.location, target);
      } catch {
        throw new FileTransferError('The attached file could not be downloaded (a redirect named no valid address).');
      }
      target = this.checkDownloadUrl(next.href, 'redirect');
    }
  }

  async upload(uploadUrl: string, content: Buffer): Promise<void> {
    checkUploadUrl(uploadUrl);
    const response = await fetch(uploadUrl, {
      method: 'PUT',
      headers: {
        'content-length': String(content.length),
        'content-range': `bytes 0-${Math.max(0, content.length - 1)}/${content.length}`,
      },
      body: content,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    }).catch((error: unknown) => {
      throw new FileTransferError('The export could not be uploaded to your OneDrive.', { cause: error });
    });
    if (!response.ok) throw new FileTransferError(`The export could not be uploaded to your OneDrive (HTTP ${response.status}).`);
  }

  /** Refuses an address that is not HTTPS to an allow-listed host (local mode: or any scheme to loopback). */
  private checkDownloadUrl(url: string, what: 'address' | 'redirect' = 'address'): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FileTransferError('The file address is not valid.');
    }
    const host = bareHost(parsed.hostname);
    if (this.options.mode === 'local' && LOOPBACK_NAMES.has(host) && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return parsed;
    if (parsed.protocol !== 'https:') throw new FileTransferError('Files are only downloaded over HTTPS.');
    if (parsed.username || parsed.password) throw new FileTransferError('The file address is not valid.');
    if (!hostAllowed(host, this.options.downloadHosts)) {
      throw new FileTransferError(
        what === 'redirect'
          ? 'The file host redirected to a host the bot does not download from; nothing was read.'
          : 'The bot downloads files from SharePoint/OneDrive (FILE_DOWNLOAD_HOSTS) only; attach the CSV in Teams.',
      );
    }
    return parsed;
  }

  /** The address to connect to: every answer must be public outside local mode. */
  private async checkedAddress(target: URL): Promise<{ address: string; family: number }> {
    const host = bareHost(target.hostname);
    const literal = net.isIP(host);
    const answers = literal
      ? [{ address: host, family: literal }]
      : await this.resolve(host).catch((error: unknown) => {
          throw new FileTransferError('The file host could not be found.', { cause: error });
        });
    if (answers.length === 0) throw new FileTransferError('The file host could not be found.');
    if (this.options.mode !== 'local' && answers.some((a) => isForbiddenAddress(a.address))) {
      throw new FileTransferError('The file host resolves to a private or local address; nothing was downloaded.');
    }
    return answers[0];
  }

  /** One GET to `target`, connected to `pinned`; a redirect's location, or the body up to `maxBytes`. */
  private get(
    target: URL,
    pinned: { address: string; family: number },
    maxBytes: number,
    deadline: AbortSignal,
  ): Promise<{ kind: 'body'; text: string } | { kind: 'redirect'; location: string }> {
    const tooLarge = () => new FileTransferError(`The attached file is larger than ${Math.round(maxBytes / 1024)} KB.`);
    return new Promise((resolve, reject) => {
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        {
          method: 'GET',
          signal: deadline,
          agent: false,
          headers: { accept: 'text/csv, text/plain, */*' },
          lookup: (_hostname, options, callback) => {
            if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
            else callback(null, pinned.address, pinned.family);
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if ([301, 302, 303, 307, 308].includes(status)) {
            response.destroy();
            const location = response.headers.location;
            if (!location) reject(new FileTransferError(`The attached file could not be downloaded (HTTP ${status}).`));
            else resolve({ kind: 'redirect', location });
            return;
          }
          if (status < 200 || status >= 300) {
            response.destroy();
            reject(new FileTransferError(`The attached file could not be downloaded (HTTP ${status}).`));
            return;
          }
          if (Number(response.headers['content-length'] ?? '0') > maxBytes) {
            response.destroy();
            reject(tooLarge());
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              request.destroy();
              reject(tooLarge());
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              kind: 'body',
              text: Buffer.concat(chunks)
                .toString('utf8')
                .replace(/^\uFEFF/, ''),
            }),
          );
          response.on('error', (error) => reject(new FileTransferError('The attached file could not be downloaded.', { cause: error })));
          response.on('close', () => {
            if (!response.complete) reject(new FileTransferError('The attached file could not be downloaded (the connection closed early).'));
          });
        },
      );
      request.on('error', (error) => reject(new FileTransferError('The attached file could not be downloaded.', { cause: error })));
      request.end();
    });
  }
}

/** Upload URLs come from Teams' file consent; HTTPS only, plain HTTP only to loopback (local tools and tests). */
function checkUploadUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FileTransferError('The file address is not valid.');
  }
  const loopback = LOOPBACK_NAMES.has(bareHost(parsed.hostname));
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new FileTransferError('Files are only exchanged over HTTPS.');
  }
}

function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}
