import { errorFields } from '../errors';
import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import type { Logger } from '../domain/ports';

/** The HTTP surface: `POST /api/messages` into the adapter, `GET /healthz`. */
export function createServer(adapter: CloudAdapter, bot: ActivityHandler, logger: Logger, health: () => Record<string, unknown>): restify.Server {
  const server = restify.createServer({ name: 'defender-block-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 256 * 1024 }));
  server.post('/api/messages', async (req, res) => {
    try {
      await adapter.process(req, res, (context) => bot.run(context));
    } catch (error) {
      logger.error({ err: errorFields(error) }, 'Request processing failed');
      if (!res.headersSent) res.send(500);
    }
  });
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', ...health() });
  });
  return server;
}
