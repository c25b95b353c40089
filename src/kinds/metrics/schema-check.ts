import { DeviceMetricsMessage } from './schema.js';

// Patterns and limits read from the schema itself, so the two cannot drift apart.
const { ts, device_id: deviceId, metrics, labels } = DeviceMetricsMessage.properties;
const [tsText, tsEpoch] = ts.anyOf;
const metricName = Object.keys(metrics.patternProperties)[0]!;
const labelName = Object.keys(labels.patternProperties)[0]!;
const metricValue = metrics.patternProperties[metricName]!;
const labelValue = labels.patternProperties[labelName]!;
const RFC3339 = new RegExp(tsText.pattern!);
const METRIC_NAME = new RegExp(metricName);
const LABEL_NAME = new RegExp(labelName);

/**
 * Names the pattern already accepted, so it runs once per distinct name instead of once per name in
 * every message (metric and label names repeat from message to message). Bounded: names are input.
 */
function acceptedNames(pattern: RegExp, max = 10_000): (name: string) => boolean {
  const accepted = new Set<string>();
  return (name) => {
    if (accepted.has(name)) return true;
    if (!pattern.test(name)) return false;
    if (accepted.size < max) accepted.add(name);
    return true;
  };
}
const isMetricName = acceptedNames(METRIC_NAME);
const isLabelName = acceptedNames(LABEL_NAME);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True only for a body the DeviceMetricsMessage schema accepts, found without allocating: TypeBox's
 * compiled check builds Object.entries and property-name arrays for every message. False sends the
 * body to that check, which decides and explains.
 */
export function isPlainDeviceMetrics(body: unknown): body is DeviceMetricsMessage {
  if (!isRecord(body)) return false;
  let hasMetrics = false;
  for (const key in body) {
    if (!Object.hasOwn(body, key)) return false;
    const value = body[key];
    if (key === 'metrics') {
      if (!isMetrics(value)) return false;
      hasMetrics = true;
    } else if (key === 'ts') {
      if (
        typeof value === 'string'
          ? !RFC3339.test(value)
          : !(Number.isInteger(value) && (value as number) >= tsEpoch.minimum! && (value as number) <= tsEpoch.maximum!)
      )
        return false;
    } else if (key === 'device_id') {
      if (typeof value !== 'string' || value.length < deviceId.minLength! || value.length > deviceId.maxLength!) return false;
    } else if (key === 'labels') {
      if (!isLabels(value)) return false;
    } else return false;
  }
  return hasMetrics;
}

function isMetrics(value: unknown): boolean {
  if (!isRecord(value)) return false;
  let count = 0;
  for (const name in value) {
    if (!Object.hasOwn(value, name) || ++count > metrics.maxProperties! || !isMetricName(name)) return false;
    const v = value[name];
    if (typeof v !== 'number' || !(v >= metricValue.minimum! && v <= metricValue.maximum!)) return false;
  }
  return count >= metrics.minProperties!;
}

function isLabels(value: unknown): boolean {
  if (!isRecord(value)) return false;
  let count = 0;
  for (const name in value) {
    if (!Object.hasOwn(value, name) || ++count > labels.maxProperties! || !isLabelName(name)) return false;
    const v = value[name];
    if (typeof v !== 'string' || v.length > labelValue.maxLength!) return false;
  }
  return true;
}
