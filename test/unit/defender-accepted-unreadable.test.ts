import http from 'node:http';
import { DefenderHttp } from '../../src/defender/defender-http';
import { FilesDefenderApi } from '../../src/defender/files-defender-api';
import { IndicatorsDefenderApi } from '../../src/defender/indicators-defender-api';
import type { BlockFileRequest, Logger } from '../../src/domain/ports';
import { closeServer, listen, readBody, sendJson } from '../fakes/http-json';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const request: BlockFileRequest = {
  hash: { type: 'Sha1', value: SHA1 },
  comment: 'dropper',
  caller: { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst' },
  options: { action: 'Audit' },
};

/** Defender that accepts every POST (201) and answers with a body that is no indicator and no FileAction. */
function acceptingServer(received: string[]): http.Server {
  return http.createServer((req, res) => {
    void readBody(req).then(() => {
      received.push(`${req.method} ${req.url}`);
      sendJson(res, 201, { accepted: 'but not in the documented shape' });
    });
  });
}

describe('a 2xx answer the bot cannot read is still a block Defender accepted', () => {
  const received: string[] = [];
  const server = acceptingServer(received);
  let base = '';
  const http2 = () => new DefenderHttp({ timeoutMs: 5000, logger: quiet, retry: { maxAttempts: 1, maxRetryAfterSeconds: 0, baseDelayMs: 1 } });
  const at = new Date('2026-12-01T10:00:00.000Z');

  beforeAll(async () => {
    base = await listen(server);
  });
  afterAll(() => closeServer(server));
  beforeEach(() => (received.length = 0));

  it('on the Indicators API: reported as the requested action, unconfirmed, after exactly one POST', async () => {
    const status = await new IndicatorsDefenderApi(`${base}/api`, http2(), () => at).block(request, async () => 'token');
    expect(status).toMatchObject({ fileIdentifier: SHA1, actionType: 'Audit', fileStatus: 'Audit', confirmed: false, source: 'indicators', requestorComment: 'dropper' });
    expect(received).toEqual(['POST /api/indicators']);
  });

  it('on the legacy files API: reported as blocked, unconfirmed, after exactly one POST', async () => {
    const status = await new FilesDefenderApi(`${base}/api`, http2(), () => at).block({ ...request, options: undefined }, async () => 'token');
    expect(status).toMatchObject({ fileIdentifier: SHA1, actionType: 'Block', fileStatus: 'Blocked', confirmed: false, source: 'files' });
    expect(received).toEqual([`POST /api/files/${SHA1}/block`]);
  });
});
