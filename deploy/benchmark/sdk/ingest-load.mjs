// Sends usage through Metronome's official Node SDK to a running Meterflow, as a Metronome customer would:
// client.v1.usage.ingest({usage: [...100 events]}) in a loop per client (each waits for its answer before the
// next), for a fixed time, then prints events/s and request latency percentiles as one JSON line.
//
//   node ingest-load.mjs --base-url http://127.0.0.1:8080 --token TOKEN --clients 16 --seconds 15
import Metronome from '@metronome/sdk';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const baseURL = args['base-url'] ?? 'http://127.0.0.1:8080';
const token = args.token ?? process.env.METRONOME_BEARER_TOKEN;
const clients = Number(args.clients ?? 1);
const seconds = Number(args.seconds ?? 15);
const batch = Number(args.batch ?? 100);
const run = args.run ?? Math.random().toString(36).slice(2, 8);

const latencies = [];
let events = 0;
let failed = 0;
const deadline = Date.now() + seconds * 1000;

async function client(c) {
  // maxRetries 0: a retried request would hide an error and distort the rate.
  const metronome = new Metronome({ baseURL, bearerToken: token, maxRetries: 0 });
  for (let seq = 0; Date.now() < deadline; seq++) {
    const timestamp = new Date(Date.now() - 5000).toISOString();
    const usage = [];
    for (let i = 0; i < batch; i++) {
      usage.push({
        transaction_id: `sdk-${run}-${clients}-${c}-${seq}-${i}`,
        customer_id: `sdk-org-${i % 50}`,
        event_type: 'api_call',
        timestamp,
        properties: { tokens: 100 + i, price: 0.1 },
      });
    }
    const started = process.hrtime.bigint();
    try {
      await metronome.v1.usage.ingest({ usage });
      events += batch;
    } catch (e) {
      failed++;
      if (failed <= 3) console.error(`client ${c}: ${e.status ?? ''} ${e.message}`);
    }
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? Math.round(latencies[Math.floor(p * (latencies.length - 1))] * 10) / 10 : null;
console.log(JSON.stringify({
  sdk: '@metronome/sdk', clients, seconds: elapsed, requests: latencies.length, events,
  events_per_second: Math.round(events / elapsed), failed, request_ms: { p50: pct(0.5), p99: pct(0.99) },
}));
