// The /client/v4 API as the pages call it: the bearer token from the tab's session storage,
// Cloudflare's envelope, and errors that say which field they concern.

const TOKEN_KEY = 'dnsedge.token';
export const API = '/client/v4';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(t: string | null) {
  if (t === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
}

export interface ApiMessage {
  code: number;
  message: string;
}
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}
export interface Envelope<T> {
  success: boolean;
  errors: ApiMessage[];
  messages: ApiMessage[];
  result: T;
  result_info?: ResultInfo;
}

// A refused request (HTTP status, the API's errors) or an unreachable server (status 0).
export class ApiError extends Error {
  constructor(
    public status: number,
    public errors: ApiMessage[],
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
  }
  get offline() {
    return this.status === 0;
  }
  get code(): number {
    return this.errors[0]?.code ?? 0;
  }
  // The form field an error code is about (the rest are shown for the whole form).
  get field(): string {
    const c = this.code;
    if (c === 9000 || c === 81053 || c === 81054) return 'name';
    if (c === 9021) return 'ttl';
    if (c === 9041) return 'proxied';
    if (c === 9020) return 'type';
    if ([1004, 9003, 9005, 9006, 9007, 9015, 81057, 81058, 1011].includes(c)) return 'content';
    return '';
  }
}

// Listeners told when the server cannot be reached (a banner) or answers again.
type Reach = (ok: boolean) => void;
const reachListeners = new Set<Reach>();
export function onReachability(f: Reach): () => void {
  reachListeners.add(f);
  return () => reachListeners.delete(f);
}
function reach(ok: boolean) {
  reachListeners.forEach((f) => f(ok));
}

export interface CallOptions {
  body?: unknown;
  form?: FormData;
  query?: Record<string, string | number | boolean | undefined>;
  tokenOverride?: string;
}

export function url(path: string, query?: CallOptions['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return API + path + (s ? '?' + s : '');
}

async function send(method: string, path: string, o: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { Authorization: 'Bearer ' + (o.tokenOverride ?? token() ?? '') };
  let body: BodyInit | undefined;
  if (o.form) body = o.form;
  else if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  try {
    const r = await fetch(url(path, o.query), { method, headers, body, credentials: 'omit', cache: 'no-store' });
    reach(true);
    return r;
  } catch {
    reach(false);
    throw new ApiError(0, [{ code: 0, message: 'The dnsedge server cannot be reached (network down or server stopped). Nothing was saved.' }]);
  }
}

export async function call<T>(method: string, path: string, o: CallOptions = {}): Promise<Envelope<T>> {
  const r = await send(method, path, o);
  let env: Envelope<T>;
  try {
    env = (await r.json()) as Envelope<T>;
  } catch {
    throw new ApiError(r.status, [{ code: 0, message: `The server answered HTTP ${r.status} without a JSON body.` }]);
  }
  if (!r.ok || !env.success) {
    if (r.status === 403 && (env.errors?.[0]?.code === 10000 || env.errors?.[0]?.code === 9106)) authListeners.forEach((f) => f());
    throw new ApiError(r.status, env.errors ?? []);
  }
  return env;
}

export async function text(path: string): Promise<string> {
  const r = await send('GET', path, {});
  if (!r.ok) throw new ApiError(r.status, [{ code: 0, message: `Download failed: HTTP ${r.status}` }]);
  return r.text();
}

// Told when the token is refused (sign in again).
const authListeners = new Set<() => void>();
export function onAuthFailure(f: () => void): () => void {
  authListeners.add(f);
  return () => authListeners.delete(f);
}

// What a dry run said, without the "nothing was stored" note (1119).
export function effects(messages: ApiMessage[]): ApiMessage[] {
  return messages.filter((m) => m.code !== 1119);
}

export interface Zone {
  id: string;
  name: string;
  status: string;
  type?: string;
  account?: { id: string; name?: string };
  name_servers?: string[];
  meta?: { file_backed?: boolean; file?: string };
}

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  priority?: number;
  data?: Record<string, unknown>;
  comment?: string | null;
  meta?: { read_only?: boolean };
  modified_on?: string;
}

export interface Served {
  zone: string;
  serial: number;
  file_backed: boolean;
  records: { name: string; type: string; ttl: number; content: string }[];
  explain: Record<string, string[]>;
  dc_records: string[];
}
