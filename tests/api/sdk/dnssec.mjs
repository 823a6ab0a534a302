// DNSSEC through the official `cloudflare` npm SDK (tests/api/test_dnssec_api.py runs this):
// cf.dns.dnssec.get / edit / delete against a running dnsedge. Exits 1 with the reason on stderr
// at the first answer the SDK does not accept; prints a JSON summary on the last line.
//
// Environment: SDK_DIR, DNSEDGE_API (base URL ending in /client/v4), DNSEDGE_TOKEN, ZONE_ID.
import { File as BufferFile } from 'node:buffer';
import { createRequire } from 'node:module';
import path from 'node:path';

globalThis.File ??= BufferFile;
const require = createRequire(path.join(process.env.SDK_DIR, 'package.json'));
const Cloudflare = require('cloudflare').default ?? require('cloudflare');
const client = new Cloudflare({ apiToken: process.env.DNSEDGE_TOKEN, baseURL: process.env.DNSEDGE_API });
const zone_id = process.env.ZONE_ID;

function check(cond, what, detail) {
  if (!cond) throw new Error(`dnssec check failed: ${what}: ${JSON.stringify(detail)}`);
}

const before = await client.dns.dnssec.get({ zone_id });
check(before.status === 'disabled' && before.ds === null && before.key_tag === null, 'off at first', before);

const on = await client.dns.dnssec.edit({ zone_id, status: 'active' });
check(on.status === 'active', 'edit active: active, the answers are signed', on);
check(on.algorithm === '13' && on.digest_type === '2' && on.digest_algorithm === 'SHA256', 'algorithm fields', on);
check(on.key_type === 'ECDSAP256SHA256' && on.flags === 257 && Number.isInteger(on.key_tag), 'key fields', on);
check(on.ds === `${process.env.ZONE}. 3600 IN DS ${on.key_tag} 13 2 ${on.digest}`, 'ds record', on);
check(/^[0-9A-F]{64}$/.test(on.digest), 'digest hex', on.digest);
check(on.dnssec_multi_signer === false && on.dnssec_presigned === false && on.dnssec_use_nsec3 === false, 'flags', on);
check(!JSON.stringify(on).includes('PRIVATE'), 'no private key', on);

const got = await client.dns.dnssec.get({ zone_id });
check(got.ds === on.ds && got.public_key === on.public_key, 'get = edit', { got, on });

const off = await client.dns.dnssec.edit({ zone_id, status: 'disabled' });
check(off.status === 'disabled' && off.ds === null, 'edit disabled', off);
const again = await client.dns.dnssec.edit({ zone_id, status: 'active' });
check(again.ds === on.ds, 'disable keeps the keys', { again, on });

let refused = null;
try {
  await client.dns.dnssec.edit({ zone_id, status: 'maybe' });
} catch (e) {
  refused = e;
}
check(refused instanceof Cloudflare.BadRequestError && refused.status === 400, 'bad status refused', refused?.message);

const deleted = await client.dns.dnssec.delete({ zone_id });
check(deleted?.id === zone_id, 'delete answers {id}', deleted);
const after = await client.dns.dnssec.get({ zone_id });
check(after.status === 'disabled' && after.ds === null, 'deleted', after);
const fresh = await client.dns.dnssec.edit({ zone_id, status: 'active' });
check(fresh.ds !== on.ds, 'a new key after delete', fresh);

console.log(JSON.stringify({ ds: on.ds, key_tag: on.key_tag, fresh_key_tag: fresh.key_tag }));
