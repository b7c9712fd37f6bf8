/** The HTTP status of a failed Azure Storage call, or undefined for any other error. */
export function blobStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'RestError') return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A write lost to a condition: 412 (If-Match / If-None-Match not met) or 409 BlobAlreadyExists. */
export function isBlobConflict(error: unknown): boolean {
  const status = blobStatus(error);
  return status === 412 || (status === 409 && (error as { code?: unknown }).code === 'BlobAlreadyExists');
}

/** 404: no such blob (or container). */
export function isBlobNotFound(error: unknown): boolean {
  return blobStatus(error) === 404;
}

/** The promise's value, or undefined when it fails with one of the errors `absent` accepts. */
export async function unless<T>(promise: Promise<T>, absent: (error: unknown) => boolean): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}
