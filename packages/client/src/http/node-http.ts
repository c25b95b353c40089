import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiftClient } from '../client.js';
import { trackRequest, type SiftHttpOptions, type SiftRequestContext } from './request-tracker.js';

export type SiftIncomingMessage = IncomingMessage & { sift?: SiftRequestContext };

/**
 * Wraps a plain node:http handler: one `api` event per request (the path is the endpoint: plain
 * node:http knows no route templates; pass `route` to name one), `req.sift` for activity events.
 */
export function siftHttp(
  client: SiftClient,
  options: SiftHttpOptions & { route?: (req: IncomingMessage) => string | undefined },
  handler: (req: SiftIncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const context = trackRequest(client, options, req, res, () => options.route?.(req));
    if (context) (req as SiftIncomingMessage).sift = context;
    handler(req as SiftIncomingMessage, res);
  };
}
