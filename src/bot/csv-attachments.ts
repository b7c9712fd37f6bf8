import type { Attachment } from 'botbuilder';
import { parse } from 'csv-parse/sync';
import { bulkLine, type BulkLine } from '../commands/parse-bulk';
import { stripCellQuotes } from '../commands/text-parts';
import { classifyHash } from '../domain/file-hash';
import { FileTransferError } from '../errors';
import type { FileTransfer } from './file-transfer';

/** Largest CSV accepted (about 15,000 lines with comments). */
export const MAX_CSV_BYTES = 2 * 1024 * 1024;

/** Longest CSV row accepted (a hash and a comment take well under 2 KB). */
const MAX_CSV_RECORD = 64 * 1024;

const TEAMS_FILE = 'application/vnd.microsoft.teams.file.download.info';

/** An attached CSV file: its name and where Teams says to download it (plain data, kept with pending work). */
export interface CsvFile {
  readonly name: string;
  readonly url: string;
}

/** What a message carries: the CSV files the bot may read, and CSV-looking attachments it will not download. */
export interface FoundAttachments {
  readonly files: readonly CsvFile[];
  /** CSV attachments that are not Teams files (production reads Teams files only). */
  readonly refused: number;
}

/**
 * The attachments of a message that look like a CSV list of hashes. Production reads Teams file attachments
 * only (their downloadUrl is checked against FILE_DOWNLOAD_HOSTS when fetched); local mode also takes
 * `text/csv` attachments with a contentUrl, as local tools send them.
 */
export function csvAttachments(attachments: readonly Attachment[] | undefined, mode: 'local' | 'production'): FoundAttachments {
  const files: CsvFile[] = [];
  let refused = 0;
  for (const a of attachments ?? []) {
    const name = a.name ?? '';
    if (a.contentType === TEAMS_FILE) {
      const content = (a.content ?? {}) as { downloadUrl?: unknown; fileType?: unknown };
      const isCsv = (typeof content.fileType === 'string' && content.fileType.toLowerCase() === 'csv') || /\.(csv|txt)$/i.test(name);
      if (isCsv && typeof content.downloadUrl === 'string' && content.downloadUrl) files.push({ name, url: content.downloadUrl });
      continue;
    }
    if ((a.contentType === 'text/csv' || /\.csv$/i.test(name)) && a.contentUrl) {
      if (mode === 'local') files.push({ name, url: a.contentUrl });
      else refused++;
    }
  }
  return { files, refused };
}

/** Reads a CSV of `hash[,comment]` rows (a header row is skipped) into bulk lines numbered by row. */
export function linesFromCsv(text: string): BulkLine[] {
  const rows: string[][] = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, max_record_size: MAX_CSV_RECORD });
  return rows.flatMap((cells, index) => {
    const [hashCell = '', commentCell = ''] = cells;
    if (index === 0 && !classifyHash(stripCellQuotes(hashCell)) && /hash|sha|md5|indicator/i.test(hashCell)) return [];
    return [fileLine(bulkLine(index + 1, cells.join(','), hashCell, commentCell))];
  });
}

/**
 * A CSV row as the bot keeps and shows it: the hash-shaped token only, never the rest of what the file said
 * (a file from elsewhere must not be echoed back into the chat). The comment still goes to Defender.
 */
function fileLine(line: BulkLine): BulkLine {
  if (line.hash) return { ...line, text: line.hash.value };
  return { line: line.line, text: '', problem: line.problem === 'no hash' ? 'no hash' : 'not a SHA-1, SHA-256 or MD5' };
}

/** Downloads and reads one CSV attachment; the lines, or why the file could not be read. */
export async function linesFromAttachment(files: FileTransfer, file: CsvFile): Promise<{ lines: BulkLine[] } | { problem: string }> {
  let text: string;
  try {
    text = await files.download(file.url, MAX_CSV_BYTES);
  } catch (error) {
    return { problem: error instanceof FileTransferError ? error.message : 'The attached file could not be downloaded.' };
  }
  try {
    return { lines: linesFromCsv(text) };
  } catch {
    return { problem: 'The attached file is not a CSV file the bot can read.' };
  }
}
