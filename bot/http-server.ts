import express, { type NextFunction, type Request, type Response } from 'express';
import type { Activity } from 'botbuilder';
import type { Server } from 'node:http';
import type { Logger } from '../services/ports/logger.js';
import type { TeamsBot } from './teams-app.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerDeps {
  bot: TeamsBot;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Largest accepted request body; Teams activities are far smaller. */
  bodyLimit?: string;
  /** With a bot id configured, a request without a bearer token is refused before anything else. */
  requireBearer: boolean;
}

/** What a Bot Framework activity must carry before the adapter sees it. */
export function activityProblem(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object (a Bot Framework activity)';
  const a = body as Record<string, unknown>;
  if (typeof a.type !== 'string' || a.type === '') return 'the activity has no "type"';
  if (a.type.length > 64) return 'the activity "type" is too long';
  if (typeof a.serviceUrl !== 'string' || !/^https?:\/\//i.test(a.serviceUrl)) return 'the activity has no valid "serviceUrl"';
  if (typeof a.channelId !== 'string' || a.channelId === '') return 'the activity has no "channelId"';
  const conv = a.conversation as Record<string, unknown> | undefined;
  if (!conv || typeof conv !== 'object' || typeof conv.id !== 'string' || conv.id === '') return 'the activity has no "conversation.id"';
  const from = a.from as Record<string, unknown> | undefined;
  if (!from || typeof from !== 'object' || typeof from.id !== 'string' || from.id === '') return 'the activity has no "from.id"';
  if (a.text !== undefined && a.text !== null && typeof a.text !== 'string') return 'the activity "text" must be a string';
  if (a.type === 'invoke' && (typeof a.name !== 'string' || a.name === '')) return 'the invoke activity has no "name"';
  return null;
}

/**
 * `POST /api/messages` (the Bot Framework endpoint), `GET /healthz` (alive), `GET /readyz`
 * (database and Graph reachable).
 */
export function createHttpApp(deps: HttpServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await r.check();
          return { name: r.name, ok: true };
        } catch (e) {
          deps.logger.warn({ check: r.name, err: e instanceof Error ? e.message : String(e) }, 'readiness check failed');
          return { name: r.name, ok: false };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : 'failing'])) });
  });

  app.post(
    '/api/messages',
    (req: Request, res: Response, next: NextFunction) => {
      if (deps.requireBearer && !/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) {
        res.status(401).json({ error: 'unauthorized', message: 'a Bot Framework token is required' });
        return;
      }
      next();
    },
    express.json({ limit: deps.bodyLimit ?? '256kb', strict: true, type: () => true }),
    async (req: Request, res: Response) => {
      const problem = activityProblem(req.body);
      if (problem) {
        deps.logger.info({ problem }, 'malformed activity refused');
        res.status(400).json({ error: 'invalid_activity', message: problem });
        return;
      }
      if (deps.requireBearer) {
        try {
          await deps.bot.authenticate(req.body as Partial<Activity>, req.headers.authorization ?? '');
        } catch (e) {
          deps.logger.info({ reason: e instanceof Error ? e.name : 'unknown' }, 'activity refused: invalid Bot Framework token');
          res.status(401).json({ error: 'unauthorized', message: 'the Bot Framework token is not valid' });
          return;
        }
      }
      await deps.bot.adapter.process(req, res, (context) => deps.bot.app.run(context).then(() => undefined));
    },
  );

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number };
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: 'too_large', message: 'the request body is too large' });
      return;
    }
    if (e?.type === 'entity.parse.failed' || e?.status === 400) {
      res.status(400).json({ error: 'invalid_json', message: 'the request body is not valid JSON' });
      return;
    }
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'http error');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  return app;
}

export function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.once('error', reject);
  });
}
