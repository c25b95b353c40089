import { TypeCompiler } from '@sinclair/typebox/compiler';
import { UsageMessage } from './schema.js';
import { validatedBody } from '../../contract/validated-body.js';
import { freeFormMap } from '../../contract/free-form-map.js';
import type { EventTimeWindow } from '../../contract/event-time.js';
import { accepted, type Verdict } from '../../contract/verdict.js';

/** A validated usage event of one app, event time in epoch ms. */
export interface UsageEvent {
  app: string;
  ts: number;
  event: string;
  feature: string | undefined;
  userId: string | undefined;
  instanceId: string | undefined;
  properties: Record<string, string>;
}

const validator = TypeCompiler.Compile(UsageMessage);

/** Bytes of one telemetry.usage.<app> message to a usage event, or a dead-letter reason. */
export function decodeUsageEvent(data: Uint8Array, app: string, arrivalMs: number, window: EventTimeWindow): Verdict<UsageEvent> {
  const checked = validatedBody(validator, data, arrivalMs, window);
  if (!checked.ok) return checked;
  const { body, ts } = checked.value;
  const properties = freeFormMap(body.properties, '/properties');
  if (!properties.ok) return properties;
  return accepted({
    app,
    ts,
    event: body.event,
    feature: body.feature,
    userId: body.user_id,
    instanceId: body.instance_id,
    properties: properties.value,
  });
}
