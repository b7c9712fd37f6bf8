import { stripCellQuotes, stripQuotes } from '../../src/commands/text-parts';
import type { Attachment } from 'botbuilder';
import { csvAttachments, linesFromAttachment, linesFromCsv, MAX_CSV_BYTES } from '../../src/bot/csv-attachments';
import type { FileTransfer } from '../../src/bot/file-transfer';
import { bulkReviewReply } from '../../src/cards/bulk-views';
import { markDuplicates } from '../../src/domain/bulk-intake';
import { FileTransferError } from '../../src/errors';
import { cardTexts } from '../fixtures/card-texts';

const TEAMS_FILE = 'application/vnd.microsoft.teams.file.download.info';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

const teamsFile = (name: string, downloadUrl: string): Attachment => ({ contentType: TEAMS_FILE, name, content: { downloadUrl, uniqueId: 'u1', fileType: 'csv' } });

describe('csvAttachments', () => {
  const attacker: Attachment = { contentType: 'text/csv', name: 'iocs.csv', contentUrl: 'https://attacker.example/iocs.csv' };

  it('in production takes Teams file attachments only and counts other CSV attachments as refused', () => {
    expect(csvAttachments([attacker], 'production')).toEqual({ files: [], refused: 1 });
    expect(csvAttachments([teamsFile('iocs.csv', 'https://contoso.sharepoint.com/iocs.csv')], 'production')).toEqual({
      files: [{ name: 'iocs.csv', url: 'https://contoso.sharepoint.com/iocs.csv' }],
      refused: 0,
    });
  });

  it('in local mode also takes text/csv attachments with a contentUrl (local tools)', () => {
    expect(csvAttachments([attacker], 'local')).toEqual({ files: [{ name: 'iocs.csv', url: attacker.contentUrl }], refused: 0 });
  });

  it('ignores attachments that are not CSV files, and Teams files without a usable downloadUrl', () => {
    const found = csvAttachments(
      [
        { contentType: 'image/png', name: 'shot.png', contentUrl: 'https://x.example/shot.png' },
        { contentType: TEAMS_FILE, name: 'notes.docx', content: { downloadUrl: 'https://contoso.sharepoint.com/notes.docx', fileType: 'docx' } },
        { contentType: TEAMS_FILE, name: 'iocs.csv', content: { downloadUrl: 42 } },
      ],
      'production',
    );
    expect(found).toEqual({ files: [], refused: 0 });
  });
});

describe('linesFromCsv', () => {
  it('keeps only the hash-shaped token of each row as its text, never the rest of what the file said', () => {
    const lines = linesFromCsv(['sha1,comment', `${SHA1},"campaign 42"`, 'root:x:0:0:root:/root:/bin/bash', 'AKIASECRETKEY123,token', ',only a comment'].join('\n'));
    expect(lines.map((l) => [l.line, l.text, l.problem])).toEqual([
      [2, SHA1, undefined],
      [3, '', 'not a SHA-1, SHA-256 or MD5'],
      [4, '', 'not a SHA-1, SHA-256 or MD5'],
      [5, '', 'no hash'],
    ]);
    expect(lines[0].comment).toBe('campaign 42');
    expect(JSON.stringify(lines)).not.toMatch(/root|AKIA|only a comment/);
  });

  it('the review card built from a file never shows non-hash file content', () => {
    const lines = linesFromCsv([`${SHA1},ok`, 'SECRET-FROM-INTRANET,<b>internal</b>', `${SHA1},again`].join('\n'));
    const reply = bulkReviewReply(markDuplicates(lines), 'review-1', 1);
    const card = JSON.stringify(reply);
    expect(card).not.toMatch(/SECRET|INTRANET|internal/);
    expect(card).toContain('Line 2');
    expect(cardTexts(reply.card.content)).toEqual(expect.arrayContaining(['Line 3', SHA1]));
    expect(card).toContain('same hash as line 1');
  });
});

describe('linesFromAttachment', () => {
  const files = (download: FileTransfer['download']): FileTransfer => ({ download, upload: () => Promise.resolve() });

  it('downloads with the CSV size limit', async () => {
    const download = jest.fn<Promise<string>, [string, number]>().mockResolvedValue(`${SHA1},x`);
    await expect(linesFromAttachment(files(download), { name: 'iocs.csv', url: 'https://contoso.sharepoint.com/iocs.csv' })).resolves.toEqual({
      lines: [expect.objectContaining({ line: 1, text: SHA1 })],
    });
    expect(download).toHaveBeenCalledWith('https://contoso.sharepoint.com/iocs.csv', MAX_CSV_BYTES);
  });

  it("says why a file was not read in the bot's own words", async () => {
    await expect(
      linesFromAttachment(
        files(() => Promise.reject(new FileTransferError('The attached file is larger than 2048 KB.'))),
        { name: 'a.csv', url: 'u' },
      ),
    ).resolves.toEqual({
      problem: 'The attached file is larger than 2048 KB.',
    });
    await expect(
      linesFromAttachment(
        files(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:443'))),
        { name: 'a.csv', url: 'u' },
      ),
    ).resolves.toEqual({
      problem: 'The attached file could not be downloaded.',
    });
  });
});

describe('hostile CSV content', () => {
  it('strips quotes around cells without a backtracking expression, and keeps inner ones', () => {
    const sha1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
    expect(stripCellQuotes(`\`"${sha1}"\``)).toBe(sha1);
    expect(stripCellQuotes(`x${'`'.repeat(10_000)}y`)).toBe(`x${'`'.repeat(10_000)}y`);
    expect(stripQuotes(`“${sha1}”,;.`)).toBe(sha1);
    expect(stripQuotes('````')).toBe('');
  });

  it('refuses a row longer than any hash and comment need', () => {
    expect(() => linesFromCsv(`x${'`'.repeat(70_000)}y,comment\n`)).toThrow();
  });
});
