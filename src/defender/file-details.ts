import { z } from 'zod';
import type { FileHash } from '../domain/file-hash';
import type { FileInfo, FileStats } from '../domain/file-report';
import type { TokenSource } from '../domain/ports';
import { DefenderError } from '../errors';
import type { DefenderHttp } from './defender-http';

/** What `fileDetails` answers: each part is missing when Defender does not know the file. */
export interface FileDetails {
  readonly info?: FileInfo;
  readonly stats?: FileStats;
}

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === '' ? undefined : s.trim()))
  .catch(undefined);

const hex = text.transform((s) => s?.toLowerCase());

/** A count sent as a number or, in the legacy docs, as a string ("106398"). */
const count = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => {
    if (v == null) return undefined;
    const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  })
  .catch(undefined);

const flag = z
  .boolean()
  .nullish()
  .transform((b) => b ?? undefined)
  .catch(undefined);

const names = z
  .array(z.unknown())
  .nullish()
  .transform((list) => list?.filter((n): n is string => typeof n === 'string' && n.trim() !== '').map((n) => n.trim()))
  .catch(undefined);

/** `GET /files/{id}`; unknown fields tolerated, a field of the wrong type is dropped. */
const InfoSchema = z.looseObject({
  sha1: hex,
  sha256: hex,
  md5: hex,
  size: count,
  fileType: text,
  isPeFile: flag,
  filePublisher: text,
  fileProductName: text,
  signer: text,
  issuer: text,
  isValidCertificate: flag,
  globalPrevalence: count,
  globalFirstObserved: text,
  globalLastObserved: text,
  determinationType: text,
  determinationValue: text,
});

/** `GET /files/{id}/stats` in either shape: legacy `orgPrevalence`, modern `organizationPrevalence`/`globallyPrevalence`. */
const StatsSchema = z.looseObject({
  orgPrevalence: count,
  organizationPrevalence: count,
  globalPrevalence: count,
  globallyPrevalence: count,
  orgFirstSeen: text,
  orgLastSeen: text,
  topFileNames: names,
});

/** Reads a file info answer; anything but an object is an `unexpected` failure. */
export function parseFileInfo(body: unknown): FileInfo {
  const i = parseObject(InfoSchema, body, 'file information');
  return dropUndefined({
    sha1: i.sha1,
    sha256: i.sha256,
    md5: i.md5,
    size: i.size,
    fileType: i.fileType,
    isPeFile: i.isPeFile,
    filePublisher: i.filePublisher,
    fileProductName: i.fileProductName,
    signer: i.signer,
    issuer: i.issuer,
    isValidCertificate: i.isValidCertificate,
    globalPrevalence: i.globalPrevalence,
    globalFirstObserved: i.globalFirstObserved,
    globalLastObserved: i.globalLastObserved,
    determinationType: i.determinationType,
    determinationValue: i.determinationValue,
  });
}

/** Reads a file stats answer of either API into one shape. */
export function parseFileStats(body: unknown): FileStats {
  const s = parseObject(StatsSchema, body, 'file statistics');
  return dropUndefined({
    orgPrevalence: s.organizationPrevalence ?? s.orgPrevalence,
    orgFirstSeen: s.orgFirstSeen,
    orgLastSeen: s.orgLastSeen,
    globalPrevalence: s.globallyPrevalence ?? s.globalPrevalence,
    topFileNames: s.topFileNames,
  });
}

/** Fetches `{base}/files/{hash}` and its `/stats{statsQuery}` in parallel; a 404 leaves that part out. */
export async function fetchFileDetails(http: DefenderHttp, baseUrl: string, hash: FileHash, token: TokenSource, statsQuery = ''): Promise<FileDetails> {
  const fileUrl = `${baseUrl}/files/${encodeURIComponent(hash.value)}`;
  const [info, stats] = await Promise.all([
    unlessNotFound(http.send({ kind: 'query', method: 'GET', url: fileUrl }, token)),
    unlessNotFound(http.send({ kind: 'query', method: 'GET', url: `${fileUrl}/stats${statsQuery}` }, token)),
  ]);
  return dropUndefined({
    info: info === undefined ? undefined : parseFileInfo(info.body),
    stats: stats === undefined ? undefined : parseFileStats(stats.body),
  });
}

/** The answer, or undefined when Defender said 404. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DefenderError && error.reason === 'notFound') return undefined;
    throw error;
  }
}

function parseObject<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new DefenderError('unexpected', `Defender answered with ${what} the bot could not read.`, {}, { cause: parsed.error });
  }
  return parsed.data;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
