/** A validated device reading: metric names and values side by side, event time in epoch ms. */
export interface DeviceReading {
  deviceId: string;
  ts: number;
  metrics: Record<string, number>;
  labels: Record<string, string>;
}
