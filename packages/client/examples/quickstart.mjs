// Sends a few events of three kinds to Sift and prints what the client did.
// Run from the repository root after `npm run build`, with a nats-server whose stream Sift provisioned:
//   node packages/client/examples/quickstart.mjs [nats://127.0.0.1:4222]
import { createSiftClient, InvalidEventError } from '@sift/client';

const client = await createSiftClient({
  servers: process.argv[2] ?? 'nats://127.0.0.1:4222',
  heartbeat: { instanceId: 'quickstart-1', app: 'quickstart', version: '1.0.0' },
});

client.metrics('pump-1', { metrics: { temp: 21.5, rpm: 1200 }, labels: { site: 'north' } });
client.api('billing', { method: 'GET', endpoint: '/invoices/{id}', status: 200, duration_ms: 12 });
client.publish('usage', 'portal', { event: 'export', feature: 'reports' });

try {
  client.metrics('pump-1', { metrics: { temp: 'hot' } });
} catch (error) {
  if (!(error instanceof InvalidEventError)) throw error;
  console.log(`refused at the call: ${error.message}`);
}

console.log('all acknowledged:', await client.ready(10_000));
console.log(JSON.stringify(await client.close()));
