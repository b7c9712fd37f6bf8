import type { Attachment } from 'botbuilder';
import { parse } from 'csv-parse/sync';
import { bulkLine, type BulkLine } from '../commands/parse-bulk';
import { classifyHash } from '../domain/file-hash';
import type { FileTransfer } from './file-transfer';

/** Largest CSV accepted (about 15,000 lines with comments). */
export const MAX_CSV_BYTES = 2 * 1024 * 1024;

const TEAMS_FILE = 'application/vnd.microsoft.teams.file.download.info';

/** The attachments of a message that look like a CSV list of hashes, with where to fetch them. */
export function csvAttachments(attachments: readonly Attachment[] | undefined): Array<{ name: string; url: string }> {
  return (attachments ?? []).flatMap((a) => {
    const name = a.name ?? '';
    if (a.contentType === TEAMS_FILE) {
      const content = (a.content ?? {}) as { downloadUrl?: string; fileType?: string };
      const isCsv = content.fileType?.toLowerCase() === 'csv' || /\.(csv|txt)$/i.test(name);
      return isCsv && content.downloadUrl ? [{ name, url: content.downloadUrl }] : [];
    }
    if ((a.contentType === 'text/csv' || /\.csv$/i.test(name)) && a.contentUrl) return [{ name, url: a.contentUrl }];
    return [];
  });
}

/** Reads a CSV of `hash[,comment]` rows (a header row is skipped) into bulk lines numbered by row. */
export function linesFromCsv(text: string): BulkLine[] {
  const rows: string[][] = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true });
  return rows.flatMap((cells, index) => {
    const [hashCell = '', commentCell = ''] = cells;
    if (index === 0 && !classifyHash(hashCell.replace(/^[`'"]+|[`'"]+$/g, '')) && /hash|sha|md5|indicator/i.test(hashCell)) return [];
    return [bulkLine(index + 1, cells.join(','), hashCell, commentCell)];
  });
}

/** Downloads and reads every CSV attachment; a file that fails becomes one problem line. */
export async function linesFromAttachments(files: FileTransfer, attachments: readonly { name: string; url: string }[]): Promise<BulkLine[]> {
  const all: BulkLine[] = [];
  for (const attachment of attachments) {
    try {
      all.push(...linesFromCsv(await files.download(attachment.url, MAX_CSV_BYTES)));
    } catch (error) {
      all.push({ line: 0, text: attachment.name, problem: (error as Error).message || 'The file could not be read.' });
    }
  }
  return all;
}
