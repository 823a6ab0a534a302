// DNS analytics through the official `cloudflare` npm SDK (tests/api/test_analytics.py runs this):
// cf.dns.analytics.reports.get and .bytimes.get against a running dnsedge. Prints a JSON summary
// on the last line; exits 1 with the reason on stderr when the SDK refuses an answer.
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

const report = await client.dns.analytics.reports.get({
  zone_id, dimensions: 'queryName,queryType', metrics: 'queryCount,uncachedCount', sort: '-queryCount', since: '-60',
});
const bytime = await client.dns.analytics.reports.bytimes.get({
  zone_id, dimensions: 'queryType', metrics: 'queryCount', time_delta: 'minute', since: '-10',
});
let refused = null;
try {
  await client.dns.analytics.reports.get({ zone_id, metrics: 'bogusCount' });
} catch (e) {
  refused = e;
}
if (!(refused instanceof Cloudflare.BadRequestError)) {
  console.error(`a bad metric was not refused with 400: ${refused}`);
  process.exit(1);
}
console.log(JSON.stringify({ report, bytime }));
