// Scoped tokens through the official `cloudflare` SDK (tests/api/test_sdk_interop.py runs this):
// user.tokens.permissionGroups.list, user.tokens.create/list/get/update/verify/delete, and the
// SDK's view of a scoped token's refusals (PermissionDeniedError, 403). Exit 1 with the reason on
// stderr at the first answer that differs; prints a JSON summary on success.
//
// Environment: SDK_DIR, DNSEDGE_API, DNSEDGE_TOKEN (the first, all-powerful token).
import { createRequire } from 'node:module';
import path from 'node:path';
import { File as BufferFile } from 'node:buffer';

globalThis.File ??= BufferFile;

const require = createRequire(path.join(process.env.SDK_DIR, 'package.json'));
const Cloudflare = require('cloudflare').default ?? require('cloudflare');
const baseURL = process.env.DNSEDGE_API;
const admin = new Cloudflare({ apiToken: process.env.DNSEDGE_TOKEN, baseURL });

function check(cond, what, detail) {
  if (!cond) throw new Error(`tokens check failed: ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
}

const groups = [];
for await (const g of admin.user.tokens.permissionGroups.list()) groups.push(g);
const byName = Object.fromEntries(groups.map((g) => [g.name, g]));
check(byName['DNS Read']?.id === '82e64a83756745bbbb1c9c2701bf816b', 'permissionGroups.list: DNS Read', byName['DNS Read']);
check(byName['DNS Write']?.id === '4755a26eedb94da69e1066d98aa820be', 'permissionGroups.list: DNS Write');

const zone = await admin.zones.create({ name: 'sdk-tokens.test', type: 'full' });
const created = await admin.user.tokens.create({
  name: 'sdk dns read',
  policies: [{
    effect: 'allow',
    permission_groups: [{ id: byName['DNS Read'].id }],
    resources: { [`com.cloudflare.api.account.zone.${zone.id}`]: '*' },
  }],
  condition: { request_ip: { in: ['127.0.0.0/8', '::1/128'] } },
});
check(typeof created.value === 'string' && created.value.length === 40, 'tokens.create: value', created);
check(created.status === 'active' && created.policies?.[0]?.effect === 'allow', 'tokens.create: object', created);

const listed = [];
for await (const t of admin.user.tokens.list()) listed.push(t);
check(listed.some((t) => t.id === created.id) && listed.every((t) => t.value === undefined), 'tokens.list', listed);
const got = await admin.user.tokens.get(created.id);
check(got.name === 'sdk dns read' && got.condition?.request_ip?.in?.length === 2, 'tokens.get', got);

const scoped = new Cloudflare({ apiToken: created.value, baseURL, maxRetries: 0 });
const v = await scoped.user.tokens.verify();
check(v.id === created.id && v.status === 'active', 'tokens.verify (scoped)', v);
const recs = [];
for await (const r of scoped.dns.records.list({ zone_id: zone.id })) recs.push(r);
check(Array.isArray(recs), 'dns.records.list with DNS Read');
let denied = null;
try {
  await scoped.dns.records.create({ zone_id: zone.id, type: 'A', name: 'x', content: '192.0.2.1' });
} catch (e) {
  denied = e;
}
check(denied instanceof Cloudflare.PermissionDeniedError && denied.status === 403, 'records.create refused', {
  name: denied?.constructor?.name, status: denied?.status,
});
let noTokens = null;
try {
  await scoped.user.tokens.create({ name: 'escalate', policies: [] });
} catch (e) {
  noTokens = e;
}
check(noTokens instanceof Cloudflare.PermissionDeniedError && noTokens.errors?.[0]?.code === 9109,
  'tokens.create without API Tokens Write', noTokens?.errors);

const updated = await admin.user.tokens.update(created.id, {
  name: 'sdk dns read (disabled)', policies: got.policies, status: 'disabled',
});
check(updated.status === 'disabled' && updated.name === 'sdk dns read (disabled)', 'tokens.update', updated);
let refused = null;
try {
  await scoped.user.tokens.verify();
} catch (e) {
  refused = e;
}
check(refused?.status === 403, 'a disabled token is refused', refused?.status);

const del = await admin.user.tokens.delete(created.id);
check(del.id === created.id, 'tokens.delete', del);
await admin.zones.delete({ zone_id: zone.id });
console.log(JSON.stringify({ groups: groups.length, tokens_listed: listed.length }));
