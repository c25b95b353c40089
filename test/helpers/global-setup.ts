import { natsServerBinary } from '../../src/tools/nats-server.js';

/** Fetches nats-server once before the integration files run (unless NATS_URL points at one). */
export default function setup(): void {
  if (!process.env.NATS_URL) natsServerBinary();
}
