// Interop with the official `cloudflare` npm SDK (tests/api/test_sdk_interop.py runs this).
// Drives a running dnsedge through the SDK's typed methods, with the SDK's default retry policy,
// and fails (exit 1, the reason on stderr) at the first answer the SDK does not accept or that
// differs from what Cloudflare answers. Prints a JSON summary for the DNS checks done in Python.
//
// Environment: SDK_DIR (where node_modules/cloudflare is), DNSEDGE_API (base URL ending in
// /client/v4), DNSEDGE_TOKEN, ZONE (zone name to create).
import { File as BufferFile } from 'node:buffer';
import { createRequire } from 'node:module';
import path from 'node:path';

// The SDK wants Node 20 (a global File for uploads); Debian 12's nodejs is 18, where File lives in
// node:buffer. This is the SDK's own advice ("set globalThis.File to import('node:buffer').File").
globalThis.File ??= BufferFile;

const require = createRequire(path.join(process.env.SDK_DIR, 'package.json'));
const Cloudflare = require('cloudflare').default ?? require('cloudflare');

const baseURL = process.env.DNSEDGE_API;
const zoneName = process.env.ZONE;

// Every request the SDK sends goes through here, so retries would show.
const sent = [];
const countingFetch = (url, init = {}) => {
  sent.push({ method: (init.method ?? 'GET').toUpperCase(), url: String(url) });
  return fetch(url, init);
};
const client = new Cloudflare({ apiToken: process.env.DNSEDGE_TOKEN, baseURL, fetch: countingFetch });

function check(cond, what, detail) {
  if (!cond) {
    throw new Error(`interop check failed: ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
  }
}

async function expectError(promise, status, Klass, what) {
  try {
    await promise;
  } catch (e) {
    check(e instanceof Klass, `${what}: error class ${Klass.name}`, { name: e?.constructor?.name, message: e?.message });
    check(e.status === status, `${what}: status ${status}`, e.status);
    check(Array.isArray(e.errors) && e.errors.length > 0 && typeof e.errors[0].code === 'number',
      `${what}: errors[] with a code`, e.errors);
    return e;
  }
  throw new Error(`interop check failed: ${what}: no error`);
}

const out = { records: {} };

// --- token, account, zone ---
const verify = await client.user.tokens.verify();
check(verify.status === 'active', 'tokens.verify', verify);
const accounts = [];
for await (const a of client.accounts.list()) accounts.push(a);
check(accounts.length === 1, 'accounts.list auto-paginates to the one default account', accounts);

const zone = await client.zones.create({ account: { id: accounts[0].id }, name: zoneName, type: 'full' });
check(zone.name === zoneName && /^[0-9a-f]{32}$/.test(zone.id), 'zones.create', zone);
out.zone_id = zone.id;
const zone_id = zone.id;

const byName = [];
for await (const z of client.zones.list({ name: zoneName })) byName.push(z);
check(byName.length === 1 && byName[0].id === zone.id, 'zones.list({name})', byName);
const none = [];
for await (const z of client.zones.list({ name: 'no-such-zone.test' })) none.push(z);
check(none.length === 0, 'zones.list of an unknown name ends with no zone', none);
check((await client.zones.get({ zone_id })).name === zoneName, 'zones.get');
await expectError(client.zones.create({ account: { id: accounts[0].id }, name: zoneName }), 400,
  Cloudflare.BadRequestError, 'zones.create of an existing zone');

// --- records ---
const www = await client.dns.records.create({ zone_id, name: 'www', type: 'A', content: '192.0.2.10', proxied: true, ttl: 1 });
check(www.name === `www.${zoneName}` && www.proxied === true && www.proxiable === true && www.ttl === 1, 'create proxied A', www);
const mail = await client.dns.records.create({ zone_id, name: `mail.${zoneName}`, type: 'A', content: '192.0.2.20', ttl: 600, proxied: false });
const mx = await client.dns.records.create({ zone_id, name: '@', type: 'MX', content: `mail.${zoneName}`, priority: 10, ttl: 3600 });
check(mx.name === zoneName && mx.priority === 10 && mx.content === `mail.${zoneName}`, 'create MX at @', mx);
const txt = await client.dns.records.create({ zone_id, name: '@', type: 'TXT', content: 'v=spf1 -all', ttl: 300,
  comment: 'spf', some_future_field: 'ignored' });
check(txt.content === 'v=spf1 -all' && txt.comment === 'spf', 'create TXT (content as written, as Cloudflare returns it)', txt);
const cname = await client.dns.records.create({ zone_id, name: 'blog', type: 'CNAME', content: `www.${zoneName}`, ttl: 300 });
check(cname.type === 'CNAME' && cname.proxied === false, 'create CNAME', cname);
const srv = await client.dns.records.create({ zone_id, name: '_sip._tcp', type: 'SRV', ttl: 300,
  data: { priority: 10, weight: 5, port: 5060, target: `mail.${zoneName}` } });
check(srv.name === `_sip._tcp.${zoneName}` && srv.priority === 10 && srv.data?.port === 5060, 'create SRV from data', srv);
const old = await client.dns.records.create({ zone_id, name: 'old', type: 'A', content: '192.0.2.99', ttl: 300 });

// Duplicate: 400 BadRequestError, and exactly one request (the SDK retries 408/409/429/5xx, even POST).
const postsBefore = sent.filter((r) => r.method === 'POST').length;
const dup = await expectError(
  client.dns.records.create({ zone_id, name: 'mail', type: 'A', content: '192.0.2.20', ttl: 600 }),
  400, Cloudflare.BadRequestError, 'duplicate record');
check(dup.errors[0].code === 81058, 'duplicate record: code 81058', dup.errors);
check(sent.filter((r) => r.method === 'POST').length === postsBefore + 1, 'duplicate record sent once (no retry)', sent.slice(-4));
out.duplicate_requests = sent.filter((r) => r.method === 'POST').length - postsBefore;

// Bad content: 400 with its own code.
const bad = await expectError(client.dns.records.create({ zone_id, name: 'x', type: 'A', content: 'not-an-ip' }), 400,
  Cloudflare.BadRequestError, 'bad A content');
check(bad.errors[0].code === 9005, 'bad A content: 9005', bad.errors);

// edit (PATCH) and update (PUT)
const txt2 = await client.dns.records.edit(txt.id, { zone_id, content: 'v=spf1 mx -all' });
check(txt2.id === txt.id && txt2.content === 'v=spf1 mx -all' && txt2.comment === 'spf', 'records.edit keeps other fields', txt2);
const mail2 = await client.dns.records.update(mail.id, { zone_id, name: 'mail', type: 'A', content: '192.0.2.21' });
check(mail2.content === '192.0.2.21' && mail2.ttl === 1 && mail2.proxied === false, 'records.update (PUT) resets omitted fields', mail2);
const got = await client.dns.records.get(srv.id, { zone_id });
check(got.id === srv.id && got.content === `5 5060 mail.${zoneName}`, 'records.get', got);

// list: auto-pagination over per_page 1 (the SDK stops at the first empty page)
const getsBefore = sent.filter((r) => r.method === 'GET').length;
const listed = [];
for await (const r of client.dns.records.list({ zone_id, per_page: 1 })) listed.push(r.id);
check(listed.length === 7 && new Set(listed).size === 7, 'records.list auto-paginates over per_page 1', listed);
out.list_pages = sent.filter((r) => r.method === 'GET').length - getsBefore;
check(out.list_pages === 8, 'per_page 1: 7 pages and the empty one', out.list_pages);
const firstPage = await client.dns.records.list({ zone_id, per_page: 2, page: 1 });
check(firstPage.result.length === 2 && firstPage.result_info.total_count === 7 && firstPage.result_info.total_pages === 4,
  'records.list page object', firstPage.result_info);
check(firstPage.hasNextPage(), 'hasNextPage on a full page');

// filters: TXT content with and without quotes, name.exact, type
for (const content of ['v=spf1 mx -all', '"v=spf1 mx -all"']) {
  const f = [];
  for await (const r of client.dns.records.list({ zone_id, type: 'TXT', content: { exact: content } })) f.push(r.id);
  check(f.length === 1 && f[0] === txt.id, `TXT content filter ${content}`, f);
}
const mxs = [];
for await (const r of client.dns.records.list({ zone_id, type: 'MX', name: { exact: zoneName } })) mxs.push(r.id);
check(mxs.length === 1 && mxs[0] === mx.id, 'MX name.exact filter', mxs);

// delete answers {id}
const del = await client.dns.records.delete(old.id, { zone_id });
check(del?.id === old.id, 'records.delete result id', del);
await expectError(client.dns.records.get(old.id, { zone_id }), 404, Cloudflare.NotFoundError, 'get deleted record');

// batch
const batch = await client.dns.records.batch({ zone_id, posts: [{ name: 'api', type: 'AAAA', content: '2001:DB8::7', ttl: 300 }] });
check(batch.posts?.length === 1 && batch.posts[0].content === '2001:db8::7', 'records.batch posts', batch);

// --- CNAME flattening: the zone setting and dns_settings ---
const s0 = await client.zones.settings.get('cname_flattening', { zone_id });
check(s0.id === 'cname_flattening' && s0.value === 'flatten_at_root', 'settings cname_flattening default', s0);
const s1 = await client.zones.settings.edit('cname_flattening', { zone_id, value: 'flatten_all' });
check(s1.value === 'flatten_all', 'settings.edit cname_flattening flatten_all', s1);
const ds = await client.dns.settings.zone.get({ zone_id });
check(ds.flatten_all_cnames === true, 'dns.settings.zone.get sees flatten_all', ds);
const ds2 = await client.dns.settings.zone.edit({ zone_id, ns_ttl: 3600 });
check(ds2.ns_ttl === 3600 && ds2.flatten_all_cnames === true, 'dns.settings.zone.edit ns_ttl', ds2);

// --- export ---
const exported = await client.dns.records.export({ zone_id });
check(typeof exported === 'string' && exported.includes(`www.${zoneName}.`) && exported.includes('cf-proxied:true'),
  'records.export is the zone file text', exported);
check(exported.startsWith(`; generated by dnsedge\n${zoneName}.\t3600\tIN\tSOA\t`), 'export starts with the generated SOA', exported);

// --- a second zone: edit, import (multipart, as the SDK uploads it), delete ---
const scratchName = `scratch-${zoneName}`;
const scratch = await client.zones.create({ account: { id: accounts[0].id }, name: scratchName });
const edited = await client.zones.edit({ zone_id: scratch.id, type: 'full' });
check(edited.id === scratch.id && edited.type === 'full', 'zones.edit type full', edited);
const zoneText = `$ORIGIN ${scratchName}.\nwww 300 IN A 192.0.2.50\n@ 300 IN MX 10 www\nweb 300 IN CNAME www ; cf_tags=cf-proxied:false\n`;
const imported = await client.dns.records.import({ zone_id: scratch.id, file: new File([zoneText], 'zone.txt'), proxied: 'true' });
check(imported.recs_added === 3 && imported.total_records_parsed === 3, 'records.import', imported);
const scratchRecs = [];
for await (const r of client.dns.records.list({ zone_id: scratch.id })) scratchRecs.push(r);
check(scratchRecs.length === 3, 'imported records listed', scratchRecs);
check(scratchRecs.find((r) => r.type === 'A').proxied === true && scratchRecs.find((r) => r.type === 'CNAME').proxied === false,
  'import proxied=true, and a line\'s own cf-proxied tag wins', scratchRecs);
const zdel = await client.zones.delete({ zone_id: scratch.id });
check(zdel?.id === scratch.id, 'zones.delete result id', zdel);

out.records = { www: www.id, mail: mail.id, mx: mx.id, txt: txt.id, cname: cname.id, srv: srv.id, old: old.id };
out.export = exported;
out.requests = sent.length;
console.log(JSON.stringify(out));
