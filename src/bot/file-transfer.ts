import { FileTransferError } from '../errors';

/** Moves files between the bot and Teams: CSV lists in, audit exports out. */
export interface FileTransfer {
  /** Fetches a file the user attached; refuses more than `maxBytes`. */
  download(url: string, maxBytes: number): Promise<string>;
  /** Puts a file at a Teams/OneDrive upload URL granted by a file consent card (one range, whole file). */
  upload(uploadUrl: string, content: Buffer): Promise<void>;
}

/** FileTransfer over HTTPS; plain HTTP only to loopback (local tools and tests). */
export class HttpFileTransfer implements FileTransfer {
  constructor(private readonly timeoutMs: number) {}

  async download(url: string, maxBytes: number): Promise<string> {
    checkUrl(url);
    const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' }).catch((error: unknown) => {
      throw new FileTransferError('The attached file could not be downloaded.', { cause: error });
    });
    if (!response.ok) throw new FileTransferError(`The attached file could not be downloaded (HTTP ${response.status}).`);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > maxBytes) throw new FileTransferError(`The attached file is larger than ${Math.round(maxBytes / 1024)} KB.`);
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > maxBytes) throw new FileTransferError(`The attached file is larger than ${Math.round(maxBytes / 1024)} KB.`);
    return body.toString('utf8').replace(/^\uFEFF/, '');
  }

  async upload(uploadUrl: string, content: Buffer): Promise<void> {
    checkUrl(uploadUrl);
    const response = await fetch(uploadUrl, {
      method: 'PUT',
      headers: {
        'content-length': String(content.length),
        'content-range': `bytes 0-${Math.max(0, content.length - 1)}/${content.length}`,
      },
      body: content,
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((error: unknown) => {
      throw new FileTransferError('The export could not be uploaded to your OneDrive.', { cause: error });
    });
    if (!response.ok) throw new FileTransferError(`The export could not be uploaded to your OneDrive (HTTP ${response.status}).`);
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FileTransferError('The file address is not valid.');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new FileTransferError('Files are only exchanged over HTTPS.');
  }
}
