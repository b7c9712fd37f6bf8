import { createServer } from 'node:http';
import type { BlockFileRequest } from '../../src/domain/ports';
import { findFileAction, parseFileAction, withCancellationTrail } from '../../src/defender/file-action';
import { parseFileInfo, parseFileStats } from '../../src/defender/file-details';
import { importResults, NO_ANSWER } from '../../src/defender/indicator-import';
import { odataString, readCollection } from '../../src/defender/odata';
import { closeServer, listen, sendJson } from '../fakes/http-json';
import { startDefenderKit } from '../fakes/fake-defender-kit';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const OTHER = '0123456789abcdef0123456789abcdef01234567';
const caller = { userId: '29:1ana', name: 'Ana Analyst' };
const request = (value: string): BlockFileRequest => ({ hash: { value, type: 'Sha1' }, comment: 'x', caller });

describe('Defender answers the bot reads', () => {
  it('fills an UnBlock FileAction’s empty cancellation trail from the request and calls it Unblocked', () => {
    const answer = {
      fileIdentifier: SHA1,
      fileIdentifierType: 'Sha1',
      actionType: 'UnBlock',
      fileStatus: 'Blocked',
      creationDateTimeUtc: '2017-12-04T13:06:23.4502191Z',
      requestor: 'Analyst@contoso.com ',
      requestorComment: 'test',
      cancellationDateTimeUtc: null,
      cancellationRequestor: null,
      cancellationComment: null,
      lastUpdateDateTimeUtc: '2017-12-04T13:06:23.4502191Z',
    };
    const status = withCancellationTrail(parseFileAction(answer, 'files'), { hash: { value: SHA1, type: 'Sha1' }, comment: 'cleared', caller }, '2025-03-01T10:00:00.000Z');
    expect(status).toMatchObject({
      fileStatus: 'Unblocked',
      requestor: 'Analyst@contoso.com',
      cancellationRequestor: 'Ana Analyst',
      cancellationComment: 'cleared',
      cancellationDateTimeUtc: '2025-03-01T10:00:00.000Z',
    });
  });

  it('finds a FileAction by identifier whatever its case', () => {
    const actions = [{ fileIdentifier: OTHER }, { fileIdentifier: ` ${SHA1.toUpperCase()} `, actionType: 'Block' }, 'junk'];
    expect(findFileAction(actions, SHA1)).toBe(actions[1]);
    expect(findFileAction(actions, 'f'.repeat(40))).toBeUndefined();
  });

  it.each([
    [
      'legacy, prevalence as a string',
      { orgPrevalence: '106398', orgFirstSeen: '2017-07-27T10:42:52Z', topFileNames: ['chrome_1.exe', 7] },
      { orgPrevalence: 106398, orgFirstSeen: '2017-07-27T10:42:52Z', topFileNames: ['chrome_1.exe'] },
    ],
    ['modern', { organizationPrevalence: 3, globallyPrevalence: '9000', orgLastSeen: null, extra: true }, { orgPrevalence: 3, globalPrevalence: 9000 }],
    ['nonsense values', { orgPrevalence: 'many', globalPrevalence: {}, topFileNames: 'x' }, {}],
  ])('normalises stats: %s', (_name, body, expected) => {
    expect(parseFileStats(body)).toEqual(expected);
  });

  it('reads file info leniently and refuses an answer that is not an object', () => {
    expect(parseFileInfo({ SHA1: 'x', sha1: ` ${SHA1.toUpperCase()}`, size: '22', isValidCertificate: 'yes', signer: ' Contoso ' })).toEqual({
      sha1: SHA1,
      size: 22,
      signer: 'Contoso',
    });
    expect(() => parseFileInfo('<html>')).toThrow(expect.objectContaining({ reason: 'unexpected' }));
  });

  it('maps import answers by value in request order, bare or wrapped; a missing item fails', () => {
    const requests = [request(SHA1), request(OTHER), request(SHA1)];
    const items = [
      { id: 7, indicator: OTHER.toUpperCase(), isFailed: true, failureReason: 'Hash value is invalid.' },
      { id: '5', indicator: SHA1, isFailed: false, failureReason: null },
    ];
    const expected = [
      { hash: requests[0].hash, ok: true, indicatorId: '5' },
      { hash: requests[1].hash, ok: false, reason: 'Hash value is invalid.', indicatorId: '7' },
      { hash: requests[2].hash, ok: false, reason: NO_ANSWER },
    ];
    expect(importResults(requests, items)).toEqual(expected);
    expect(importResults(requests, { value: items, '@odata.context': 'x' })).toEqual(expected);
    expect(() => importResults(requests, { error: 'x' })).toThrow(expect.objectContaining({ reason: 'unexpected' }));
  });

  it('quotes OData strings by doubling single quotes', () => {
    expect(odataString("o'neil")).toBe("'o''neil'");
    expect(odataString(SHA1)).toBe(`'${SHA1}'`);
  });

  it('follows same-origin @odata.nextLink pages and ignores a link to another host', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/api/fileactions') return sendJson(res, 200, { value: [1, 2], '@odata.nextLink': '/api/fileactions?$skiptoken=2' });
      sendJson(res, 200, { value: [3], '@odata.nextLink': 'https://elsewhere.example/api/fileactions?$skiptoken=3' });
    });
    const base = await listen(server);
    const kit = await startDefenderKit();
    try {
      const items = await readCollection(kit.http(), `${base}/api/fileactions`, kit.filesToken);
      expect(items).toEqual([1, 2, 3]);
      expect(seen).toEqual(['/api/fileactions', '/api/fileactions?$skiptoken=2']);
    } finally {
      await Promise.all([closeServer(server), kit.close()]);
    }
  });
});
