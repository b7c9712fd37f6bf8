import { BlobServiceClient, StorageRetryPolicyType, type ContainerClient } from '@azure/storage-blob';

/** How long each storage operation may take; a request that fails (5xx, a lost connection) is tried 3 times in all within it. */
export interface BlobConnectOptions {
  readonly timeoutMs?: number;
}

/** The time limit of a storage operation unless set. */
export const DEFAULT_BLOB_TIMEOUT_MS = 10_000;

/** Options that abort a storage operation (every try of it) after `timeoutMs`: the SDK itself has no client-side time limit. */
export function within(timeoutMs: number): { readonly abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(timeoutMs) };
}

/** A client for `container` in the account of `connectionString`; creates the container if missing. */
export async function connectContainer(connectionString: string, container: string, options: BlobConnectOptions = {}): Promise<ContainerClient> {
  const retryOptions = { retryPolicyType: StorageRetryPolicyType.EXPONENTIAL, maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 };
  const client = BlobServiceClient.fromConnectionString(connectionString, { retryOptions }).getContainerClient(container);
  await client.createIfNotExists(within(options.timeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS));
  return client;
}

/** The whole body of a blob download as UTF-8 text. */
export async function downloadedText(download: { readonly readableStreamBody?: NodeJS.ReadableStream }): Promise<string> {
  const chunks: Buffer[] = [];
  if (download.readableStreamBody) {
    for await (const chunk of download.readableStreamBody) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `fn` over every item with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
