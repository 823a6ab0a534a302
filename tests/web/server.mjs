// Starts a real `dnsedge serve` for the browser tests and the benchmark: a fresh data
// directory, DNS and API on free loopback ports, the API token, edge addresses on loopback
// (the edge proxy off: the tests look at DNS and the dashboard only). Stopped by its PID.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const BIN = process.env.DNSEDGE_BIN ?? join(ROOT, 'build/dnsedge');
export const TOKEN = 'web-test-token-0123456789';

function bindable(port, kind) {
  return new Promise((ok) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => ok(false));
      s.bind(port, '127.0.0.1', () => s.close(() => ok(true)));
    } else {
      const s = net.createServer();
      s.once('error', () => ok(false));
      s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
    }
  });
}

// A port free for UDP and TCP on 127.0.0.1 (the kernel picks it, then it is released).
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = await new Promise((ok, fail) => {
      const s = dgram.createSocket('udp4');
      s.once('error', fail);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => ok(p));
      });
    });
    if ((await bindable(port, 'tcp')) && (await bindable(port, 'udp'))) return port;
  }
  throw new Error('no free port');
}

export async function startServer(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsedge-web-'));
  const dnsPort = await freePort();
  const apiPort = await freePort();
  const log = join(dir, 'dnsedge.log');
  const argv = ['serve', '--data', join(dir, 'data'), '--dns-listen', `127.0.0.1:${dnsPort}`, '--api-listen', `127.0.0.1:${apiPort}`,
    '--api-token', TOKEN, '--edge-ipv4', '127.0.0.11,127.0.0.12', '--edge-ipv6', '::1', '--no-edge-proxy', ...extra];
  const out = openSync(log, 'a');
  const proc = spawn(BIN, argv, { stdio: ['ignore', out, out] });
  const base = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`dnsedge exited with ${proc.exitCode}:\n${readFileSync(log, 'utf8')}`);
    try {
      const r = await fetch(`${base}/client/v4/user/tokens/verify`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`dnsedge did not answer within 20 s:\n${readFileSync(log, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async (method, path, body) => {
    const r = await fetch(`${base}/client/v4${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return r.json();
  };
  return {
    base, dnsPort, apiPort, dir, log, proc, api,
    async stop() {
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid, 'SIGTERM');
      const t = setTimeout(() => proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}
