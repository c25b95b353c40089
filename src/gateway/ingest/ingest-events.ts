import type { GatewayMetrics } from '../../telemetry/metrics.js';
import { kindNamed } from '../../kinds/registry.js';
import { publishSubject, type SubjectLayout } from '../../sources/jetstream/subjects.js';
import type { IngestOutcome } from '../compat/compat-route.js';
import { scopeProblem, type KeyRecord } from '../keys/key-record.js';
import type { KeyBudgets } from '../limits/key-budgets.js';
import { messageId } from '../publishing/message-id.js';
import { publishEvents, type Publishable } from '../publishing/publish-events.js';
import type { PublishLink } from '../publishing/publish-link.js';
import { done, refuse, type Step } from '../refusal.js';
import { judgeEvent, type Candidate, type JudgeSettings } from './judge-event.js';

/** An event of a request: one to judge, or one already refused while reading the body (a broken batch item). */
export type RequestEvent = { candidate: Candidate } | { rejected: { kind: string | undefined; reason: string; detail: string } };

export interface IngestDeps {
  link: PublishLink;
  budgets: KeyBudgets;
  metrics: GatewayMetrics;
  layout: SubjectLayout;
  judge: JudgeSettings;
  publishTimeoutMs: number;
  now?: () => number;
}

/** Seconds a client waits before retrying a request NATS did not take. */
export const RETRY_AFTER_S = 2;

const kindLabel = (kind: string | undefined) => (kind !== undefined && kindNamed(kind) ? kind : 'unknown');

/**
 * What every ingest route does with the events of one request: the key's rate (429) and scope
 * (403, before anything is published), each event judged alone, the valid ones published with
 * message ids from the Idempotency-Key and the request's fingerprint, and an outcome only once JetStream acknowledged them all
 * (otherwise 503 with Retry-After and the Idempotency-Key to retry with).
 */
export async function ingestEvents(
  events: readonly RequestEvent[],
  record: KeyRecord,
  idempotency: { key: string; fingerprint: string },
  deps: IngestDeps,
): Promise<Step<IngestOutcome>> {
  const budget = deps.budgets.take(record.name, record.rate, events.length);
  if (!budget.ok) {
    return refuse(
      429,
      'rate_limited',
      `API key ${record.name} may send ${record.rate} events per second through this gateway; this request has ${events.length}`,
      {
        'retry-after': String(budget.retryAfterS),
      },
    );
  }
  for (const [index, event] of events.entries()) {
    // An unknown kind is in no key's scope; it is rejected below as unknown_kind, like a dead letter.
    if (!('candidate' in event) || !kindNamed(event.candidate.kind)) continue;
    const problem = scopeProblem(record, event.candidate.kind, event.candidate.key);
    if (problem) return refuse(403, 'out_of_scope', `event ${index}: ${problem}`);
  }
  const arrivalMs = (deps.now ?? Date.now)();
  const outcome: IngestOutcome = { accepted: 0, rejected: [] };
  const publishable: Publishable[] = [];
  const publishedKinds: string[] = [];
  for (const [index, event] of events.entries()) {
    if (!('candidate' in event)) {
      outcome.rejected.push({ index, reason: event.rejected.reason, detail: event.rejected.detail });
      deps.metrics.rejected.inc({ kind: kindLabel(event.rejected.kind), reason: event.rejected.reason });
      continue;
    }
    const { kind, key } = event.candidate;
    const verdict = judgeEvent(event.candidate, arrivalMs, deps.judge);
    if (!verdict.ok) {
      outcome.rejected.push({ index, reason: verdict.reason, detail: verdict.detail });
      deps.metrics.rejected.inc({ kind: kindLabel(kind), reason: verdict.reason });
      continue;
    }
    publishable.push({
      subject: publishSubject(deps.layout, kind, key),
      data: verdict.value,
      msgId: messageId(record.name, idempotency.key, idempotency.fingerprint, index),
    });
    publishedKinds.push(kind);
  }
  if (publishable.length > 0) {
    const stopTimer = deps.metrics.publishDuration.startTimer();
    const published = await publishEvents(deps.link, publishable, deps.publishTimeoutMs);
    stopTimer();
    if (!published.ok) {
      deps.metrics.publishFailures.inc();
      return refuse(
        503,
        'not_stored',
        `${published.problem}; retry with the header Idempotency-Key: ${idempotency.key} so nothing is stored twice`,
        {
          'retry-after': String(RETRY_AFTER_S),
          'idempotency-key': idempotency.key,
        },
      );
    }
    for (const kind of publishedKinds) deps.metrics.accepted.inc({ kind });
    outcome.accepted = publishable.length;
  }
  return done(outcome);
}
