import type { TObject } from '@sinclair/typebox';
import type { Answer, QueryDeps } from './query-deps.js';

/** What a read route is given: its validated query string (defaults filled in) and path parameters. */
export interface RouteInput {
  query: Record<string, unknown>;
  params: Record<string, string>;
}

/** One GET route of the read API: its path, its documented parameters, and how it answers from the views. */
export interface QueryRoute {
  url: string;
  summary: string;
  /** The replaced system the path comes from, as the OpenAPI tag. */
  tag: 'HOMEPOT analytics' | 'Metrics service' | 'Real-time tracking';
  querystring?: TObject;
  params?: TObject;
  answer(input: RouteInput, deps: Required<Pick<QueryDeps, 'query' | 'now'>> & Pick<QueryDeps, 'workerStatus'>): Promise<Answer>;
}
