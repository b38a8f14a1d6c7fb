// Checks Meterflow's billable metric API with Metronome's official Node SDK, unchanged, against a running Meterflow:
// billableMetrics.create / retrieve / list (auto-paginating, include_archived) / archive,
// customers.listBillableMetrics, and the SDK's error for a SQL metric. Prints what it saw, one line per step, and
// exits 1 on the first answer that is not what Metronome's API would give.
//
//   node billable-metrics-check.mjs --base-url http://127.0.0.1:8080 --token TOKEN
import assert from 'node:assert/strict';
import Metronome from '@metronome/sdk';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const client = new Metronome({
  baseURL: args['base-url'] ?? 'http://127.0.0.1:8080',
  bearerToken: args.token ?? process.env.METRONOME_BEARER_TOKEN,
});
const run = Math.random().toString(36).slice(2, 8);
const step = (what, value) => console.log(`${what}: ${JSON.stringify(value)}`);

// Metronome's own example from the SDK's documentation of billableMetrics.create.
const created = await client.v1.billableMetrics.create({
  name: `CPU Hours ${run}`,
  aggregation_key: 'cpu_hours',
  aggregation_type: 'SUM',
  event_type_filter: { in_values: ['cpu_usage'] },
  group_keys: [['region'], ['machine_type']],
  property_filters: [
    { name: 'cpu_hours', exists: true },
    { name: 'region', exists: true, in_values: ['EU', 'NA'] },
    { name: 'machine_type', exists: true, in_values: ['slow', 'fast'] },
  ],
});
step('billableMetrics.create', created);
const id = created.data.id;
assert.match(id, /^[0-9a-f-]{36}$/);

const retrieved = await client.v1.billableMetrics.retrieve({ billable_metric_id: id });
step('billableMetrics.retrieve', retrieved);
assert.equal(retrieved.data.id, id);
assert.equal(retrieved.data.aggregation_type, 'SUM');
assert.deepEqual(retrieved.data.group_keys, [['region'], ['machine_type']]);
assert.equal(retrieved.data.archived_at, undefined);

const counts = [];
for (let i = 0; i < 3; i++) {
  counts.push((await client.v1.billableMetrics.create({ name: `Calls ${run} ${i}`, aggregation_type: 'COUNT' })).data.id);
}
step('billableMetrics.create (3 COUNT metrics)', counts);

// Pages of 2: the SDK follows next_page by itself.
const listed = [];
for await (const metric of client.v1.billableMetrics.list({ limit: 2 })) listed.push(metric.id);
step('billableMetrics.list (limit 2, every page)', { count: listed.length, ours: [id, ...counts].filter((m) => listed.includes(m)).length });
for (const m of [id, ...counts]) assert.ok(listed.includes(m), `${m} listed`);

const archived = await client.v1.billableMetrics.archive({ id: counts[0] });
step('billableMetrics.archive', archived);
assert.deepEqual(archived, { data: { id: counts[0] } });
const afterArchive = await client.v1.billableMetrics.retrieve({ billable_metric_id: counts[0] });
step('billableMetrics.retrieve (archived)', { id: afterArchive.data.id, archived_at: afterArchive.data.archived_at });
assert.ok(afterArchive.data.archived_at);

const active = [];
for await (const metric of client.v1.billableMetrics.list({ limit: 2 })) active.push(metric.id);
const all = [];
for await (const metric of client.v1.billableMetrics.list({ limit: 2, include_archived: true })) all.push(metric.id);
step('billableMetrics.list after archive', { archived_in_default_list: active.includes(counts[0]), archived_with_include_archived: all.includes(counts[0]) });
assert.ok(!active.includes(counts[0]));
assert.ok(all.includes(counts[0]));

const customer = await client.v1.customers.create({ name: `Metered ${run}` });
const forCustomer = [];
for await (const metric of client.v1.customers.listBillableMetrics({ customer_id: customer.data.id, limit: 2 })) {
  forCustomer.push(metric.id);
}
step('customers.listBillableMetrics', { customer: customer.data.id, count: forCustomer.length, same_as_list: JSON.stringify(forCustomer) === JSON.stringify(active) });
assert.deepEqual(forCustomer, active);

try {
  for await (const unexpected of client.v1.customers.listBillableMetrics({
    customer_id: '00000000-0000-4000-8000-000000000000',
  })) {
    break;
  }
  assert.fail('an unknown customer was listed');
} catch (e) {
  step('customers.listBillableMetrics (unknown customer)', { status: e.status, error: e.constructor.name, message: e.error?.message });
  assert.equal(e.status, 404);
}

try {
  await client.v1.billableMetrics.create({ name: `SQL ${run}`, sql: 'select count(*) from events' });
  assert.fail('a SQL metric was created');
} catch (e) {
  step('billableMetrics.create (sql)', { status: e.status, error: e.constructor.name, message: e.error?.message });
  assert.equal(e.status, 400);
}

try {
  await client.v1.billableMetrics.create({ name: `Bad ${run}`, aggregation_type: 'MAX', aggregation_key: 'tokens' });
  assert.fail('an invalid metric was created');
} catch (e) {
  step('billableMetrics.create (key not among the property filters)', { status: e.status, message: e.error?.message });
  assert.equal(e.status, 400);
}
console.log('OK: every call answered as Metronome\'s API would');
