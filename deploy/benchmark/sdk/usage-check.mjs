// Checks Meterflow's usage queries with Metronome's official Node SDK, unchanged, against a running Meterflow:
// usage.list (POST /v1/usage: one page, then pages of 1 that the SDK follows by itself) and usage.listWithGroups
// (POST /v1/usage/groups: a simple and a compound group key, pages of 1), each answer's shape as the SDK's types
// describe it, and the SDK's BadRequestError for an invalid window_size and for current_period. Prints what it saw,
// one line per step (`<step>: <json>`), and exits 1 on the first answer that is not what Metronome's API would give.
//
//   node usage-check.mjs --base-url http://127.0.0.1:8080 --token TOKEN
//       creates a SUM metric grouped by [region] and [region, team], a customer and a few events, then queries them
//   node usage-check.mjs ... --customer ID --metric ID --starting-on T --ending-before T
//       queries an existing customer and metric (grouped by [region] and [region, team]) over DAY windows
//   --allow-pending: a 503 "aggregates not available" (a build without the usage aggregation) is reported as
//       `<step>: {"pending": ...}` instead of failing
import assert from 'node:assert/strict';
import Metronome from '@metronome/sdk';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]?.startsWith('--') ? 'true' : all[i + 1] ?? 'true']] : pairs, []));
const client = new Metronome({
  baseURL: args['base-url'] ?? 'http://127.0.0.1:8080',
  bearerToken: args.token ?? process.env.METRONOME_BEARER_TOKEN,
  maxRetries: args['allow-pending'] ? 0 : 2,
});
const step = (what, value) => console.log(`${what}: ${JSON.stringify(value)}`);
const isPending = (e) => args['allow-pending'] && e?.status === 503 && /aggregates not available/.test(e?.error?.message ?? '');

let customer = args.customer;
let metric = args.metric;
const day = 86_400_000;
const today = Math.floor(Date.now() / day) * day;
const startingOn = args['starting-on'] ?? new Date(today - day).toISOString().replace('.000Z', 'Z');
const endingBefore = args['ending-before'] ?? new Date(today + day).toISOString().replace('.000Z', 'Z');

if (!customer) {
  const run = Math.random().toString(36).slice(2, 8);
  metric = (await client.v1.billableMetrics.create({
    name: `Tokens ${run}`,
    aggregation_type: 'SUM',
    aggregation_key: 'tokens',
    event_type_filter: { in_values: ['completion'] },
    property_filters: [{ name: 'tokens', exists: true }, { name: 'region', exists: true }, { name: 'team', exists: true }],
    group_keys: [['region'], ['region', 'team']],
  })).data.id;
  customer = (await client.v1.customers.create({ name: `Usage ${run}`, ingest_aliases: [`usage-${run}`] })).data.id;
  const now = new Date(Date.now() - 60_000).toISOString();
  await client.v1.usage.ingest({
    usage: [['EU', 'core', 0.1], ['EU', 'web', 0.2], ['NA', 'core', 12]].map(([region, team, tokens], i) => ({
      transaction_id: `usage-check-${run}-${i}`, customer_id: `usage-${run}`, event_type: 'completion', timestamp: now,
      properties: { region, team, tokens },
    })),
  });
  step('setup', { customer, metric, starting_on: startingOn, ending_before: endingBefore });
}

async function all(pages) {
  const items = [];
  for await (const item of pages) items.push(item);
  return items;
}

async function check(what, query, shape) {
  try {
    const rows = await query();
    rows.forEach(shape);
    step(what, rows);
    return rows;
  } catch (e) {
    if (isPending(e)) {
      step(what, { pending: e.error.message });
      return null;
    }
    throw e;
  }
}

const usageRow = (row) => {
  assert.equal(typeof row.customer_id, 'string');
  assert.equal(typeof row.billable_metric_id, 'string');
  assert.equal(typeof row.billable_metric_name, 'string');
  assert.match(row.start_timestamp, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  assert.match(row.end_timestamp, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  assert.ok(row.value === null || typeof row.value === 'number', `value ${row.value}`);
  if (row.groups !== undefined) {
    for (const value of Object.values(row.groups)) assert.ok(value === null || typeof value === 'number');
  }
};
const groupRow = (row) => {
  assert.match(row.starting_on, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  assert.match(row.ending_before, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  assert.ok(row.group_key === null || typeof row.group_key === 'string');
  assert.ok(row.group_value === null || typeof row.group_value === 'string');
  assert.ok(row.value === null || typeof row.value === 'number', `value ${row.value}`);
  assert.equal(typeof row.group, 'object');
};

const listParams = {
  starting_on: startingOn, ending_before: endingBefore, window_size: 'DAY', customer_ids: [customer],
  billable_metrics: [{ id: metric, group_by: { key: 'region', values: ['EU', 'NA', 'APAC'] } }],
};
const page = await check('usage.list', () => all(client.v1.usage.list(listParams)), usageRow);
const paged = await check('usage.list (pages of 1)', () => all(client.v1.usage.list({ ...listParams, window_size: 'day' },
  { query: { limit: 1 } })), usageRow);
if (page) assert.deepEqual(paged, page);

const groupParams = {
  customer_id: customer, billable_metric_id: metric, window_size: 'day', starting_on: startingOn,
  ending_before: endingBefore, group_key: ['region'],
};
const groups = await check('usage.listWithGroups', () => all(client.v1.usage.listWithGroups(groupParams)), groupRow);
const groupsPaged = await check('usage.listWithGroups (pages of 1)',
  () => all(client.v1.usage.listWithGroups({ ...groupParams, limit: 1 })), groupRow);
if (groups) assert.deepEqual(groupsPaged, groups);
await check('usage.listWithGroups (compound)', () => all(client.v1.usage.listWithGroups({
  ...groupParams, window_size: 'NONE', group_key: ['team', 'region'], group_filters: { region: ['EU'] }, limit: 100,
})), groupRow);

for (const [what, params] of [
  ['usage.list (window_size week)', () => client.v1.usage.list({ ...listParams, window_size: 'WEEK' })],
  ['usage.listWithGroups (current_period)', () => client.v1.usage.listWithGroups({ ...groupParams, current_period: true })],
]) {
  try {
    await params();
    assert.fail(`${what} was answered`);
  } catch (e) {
    step(what, { status: e.status, error: e.constructor.name, message: e.error?.message });
    assert.equal(e.status, 400);
  }
}
console.log('OK: usage.list and usage.listWithGroups answered as Metronome\'s API would');
