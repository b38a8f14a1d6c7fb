// Checks Meterflow's usage queries with Metronome's official Node SDK, unchanged, against a running Meterflow:
// usage.list (POST /v1/usage: one page, then pages of 1 that the SDK follows by itself) and usage.listWithGroups
// (POST /v1/usage/groups: a simple and a compound group key, pages of 1), each answer's shape as the SDK's types
// describe it, and the SDK's BadRequestError for an invalid window_size and for current_period. Prints what it saw,
// one line per step (`<step>: <json>`), and exits 1 on the first answer that is not what Metronome's API would give.
//
//   node usage-check.mjs --base-url http://127.0.0.1:8080 --token TOKEN
//       creates a SUM metric grouped by [region] and [region, team], a customer and three events stamped today (UTC):
//       0.1 tokens EU/core, 0.2 EU/web, 12 NA/core; polls usage.list until they are aggregated (12.3 today), then
//       queries them and checks the values: yesterday 0, today 12.3 with groups {EU: 0.3, NA: 12, APAC: null};
//       groups EU 0.3 and NA 12 today (0 yesterday); compound rows EU/core 0.1 and EU/web 0.2
//   node usage-check.mjs ... --customer ID --metric ID --starting-on T --ending-before T
//       queries an existing customer and metric (grouped by [region] and [region, team]) over DAY windows; checks the
//       answers' shape only (the caller checks the values it printed)
import assert from 'node:assert/strict';
import Metronome from '@metronome/sdk';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]?.startsWith('--') ? 'true' : all[i + 1] ?? 'true']] : pairs, []));
const client = new Metronome({
  baseURL: args['base-url'] ?? 'http://127.0.0.1:8080',
  bearerToken: args.token ?? process.env.METRONOME_BEARER_TOKEN,
  maxRetries: 2,
});
const step = (what, value) => console.log(`${what}: ${JSON.stringify(value)}`);

let customer = args.customer;
let metric = args.metric;
const day = 86_400_000;
const today = Math.floor(Date.now() / day) * day;
const iso = (millis) => new Date(millis).toISOString().replace('.000Z', 'Z');
const startingOn = args['starting-on'] ?? iso(today - day);
const endingBefore = args['ending-before'] ?? iso(today + day);
// The values are known (and checked) only when this script made the usage.
const created = !customer;

if (created) {
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
  // A minute ago, but today (UTC) even in the day's first minute: the expected windows depend on it.
  const now = new Date(Math.max(today, Date.now() - 60_000)).toISOString();
  await client.v1.usage.ingest({
    usage: [['EU', 'core', 0.1], ['EU', 'web', 0.2], ['NA', 'core', 12]].map(([region, team, tokens], i) => ({
      transaction_id: `usage-check-${run}-${i}`, customer_id: `usage-${run}`, event_type: 'completion', timestamp: now,
      properties: { region, team, tokens },
    })),
  });
  step('setup', { customer, metric, starting_on: startingOn, ending_before: endingBefore });

  // Ingested usage is aggregated asynchronously: poll today's total until all three events are in (or give up).
  const deadline = Date.now() + 90_000;
  for (let last; ;) {
    try {
      const rows = await all(client.v1.usage.list({ starting_on: iso(today), ending_before: endingBefore,
        window_size: 'NONE', customer_ids: [customer], billable_metrics: [{ id: metric }] }));
      last = rows.map((row) => row.value);
      if (rows.length === 1 && rows[0].value === 12.3) {
        step('aggregated', { waited_ms: Date.now() - (deadline - 90_000), value: rows[0].value });
        break;
      }
    } catch (e) {
      if (e?.status !== 503) throw e;
      last = { status: e.status, message: e.error?.message };
    }
    if (Date.now() > deadline) assert.fail(`usage not aggregated within 90 s; last answer: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function all(pages) {
  const items = [];
  for await (const item of pages) items.push(item);
  return items;
}

async function check(what, query, shape) {
  const rows = await query();
  rows.forEach(shape);
  step(what, rows);
  return rows;
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
assert.deepEqual(paged, page);
if (created) {
  assert.deepEqual(page.map((row) => [row.start_timestamp, row.end_timestamp, row.value, row.groups]), [
    [iso(today - day), iso(today), 0, { EU: 0, NA: 0, APAC: null }],
    [iso(today), iso(today + day), 12.3, { EU: 0.3, NA: 12, APAC: null }],
  ]);
}

const groupParams = {
  customer_id: customer, billable_metric_id: metric, window_size: 'day', starting_on: startingOn,
  ending_before: endingBefore, group_key: ['region'],
};
const groups = await check('usage.listWithGroups', () => all(client.v1.usage.listWithGroups(groupParams)), groupRow);
const groupsPaged = await check('usage.listWithGroups (pages of 1)',
  () => all(client.v1.usage.listWithGroups({ ...groupParams, limit: 1 })), groupRow);
assert.deepEqual(groupsPaged, groups);
const compound = await check('usage.listWithGroups (compound)', () => all(client.v1.usage.listWithGroups({
  ...groupParams, window_size: 'NONE', group_key: ['team', 'region'], group_filters: { region: ['EU'] }, limit: 100,
})), groupRow);
if (created) {
  assert.deepEqual(groups.map((row) => [row.starting_on, row.group_key, row.group_value, row.value]), [
    [iso(today - day), 'region', 'EU', 0], [iso(today - day), 'region', 'NA', 0],
    [iso(today), 'region', 'EU', 0.3], [iso(today), 'region', 'NA', 12],
  ]);
  assert.deepEqual(compound.map((row) => [row.starting_on, row.ending_before, row.group_key, row.group, row.value]), [
    [startingOn, endingBefore, null, { region: 'EU', team: 'core' }, 0.1],
    [startingOn, endingBefore, null, { region: 'EU', team: 'web' }, 0.2],
  ]);
}

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
if (created) console.log('OK: the aggregated values are those of the three events ingested');
console.log('OK: usage.list and usage.listWithGroups answered as Metronome\'s API would');
