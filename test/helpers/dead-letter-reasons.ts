import { jetstreamManager } from '@nats-io/jetstream';
import { DEAD_LETTER_HEADERS } from '../../src/sinks/dead-letter/dead-letter-publisher.js';
import type { SiftTestEnv } from './sift-env.js';

/** Every dead letter of the test's stream: original sequence → reason and detail. */
export async function deadLetterReasons(t: SiftTestEnv): Promise<Map<number, { reason: string; detail: string }>> {
  const jsm = await jetstreamManager(t.nc);
  const info = await jsm.streams.info(t.config.nats.dlqStream);
  const found = new Map<number, { reason: string; detail: string }>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = (await jsm.streams.getMessage(t.config.nats.dlqStream, { seq }))!;
    found.set(Number(msg.header!.get(DEAD_LETTER_HEADERS.sequence)), {
      reason: msg.header!.get(DEAD_LETTER_HEADERS.reason),
      detail: msg.header!.get(DEAD_LETTER_HEADERS.detail),
    });
  }
  return found;
}
