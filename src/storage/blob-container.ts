import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

/** A client for `container` in the account of `connectionString`; creates the container if missing. */
export async function connectContainer(connectionString: string, container: string): Promise<ContainerClient> {
  const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  await client.createIfNotExists();
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
