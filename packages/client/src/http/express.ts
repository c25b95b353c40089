import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiftClient } from '../client.js';
import { trackRequest, type SiftHttpOptions, type SiftRequestContext } from './request-tracker.js';

/** The parts of an Express request the middleware reads (Express itself is not imported). */
interface ExpressRequestLike extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
  sift?: SiftRequestContext;
}

/**
 * Express middleware: `app.use(siftExpress(client, { service: 'billing' }))` before the routes.
 * The endpoint is the matched route template (req.baseUrl + req.route.path), else the path.
 */
export function siftExpress(client: SiftClient, options: SiftHttpOptions) {
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const request = req as ExpressRequestLike;
    const context = trackRequest(client, options, req, res, () => {
      const template = request.route?.path;
      return typeof template === 'string' ? `${request.baseUrl ?? ''}${template}` : undefined;
    });
    if (context) request.sift = context;
    next();
  };
}
