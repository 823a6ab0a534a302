// The fields of one record, per type: MX priority, SRV priority/weight/port/target, CAA
// flags/tag/value, the proxy toggle for A/AAAA/CNAME, TTL ("Auto" when proxied).
import type { DnsRecord } from '../api';
import { FieldError } from '../ui';

export const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NS', 'PTR', 'HTTPS', 'SVCB', 'TLSA', 'DS', 'NAPTR', 'SSHFP', 'URI'];
export const PROXIABLE = ['A', 'AAAA', 'CNAME'];
export const TTLS: [number, string][] = [
  [1, 'Auto'],
  [60, '1 min'],
  [300, '5 min'],
  [1800, '30 min'],
  [3600, '1 hr'],
  [86400, '1 day'],
];

export interface Draft {
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  priority: string;
  weight: string;
  port: string;
  target: string;
  flags: string;
  tag: string;
  value: string;
}

export function emptyDraft(): Draft {
  return { type: 'A', name: '', content: '', ttl: 1, proxied: false, priority: '10', weight: '5', port: '', target: '', flags: '0', tag: 'issue', value: '' };
}

export function draftOf(r: DnsRecord): Draft {
  const d = { ...emptyDraft(), type: r.type, name: r.name, content: r.content, ttl: r.ttl, proxied: r.proxied };
  if (r.priority !== undefined) d.priority = String(r.priority);
  const data = (r.data ?? {}) as Record<string, unknown>;
  if (r.type === 'SRV') {
    const [w, p, t] = r.content.split(/\s+/);
    d.weight = String(data.weight ?? w ?? '');
    d.port = String(data.port ?? p ?? '');
    d.target = String(data.target ?? t ?? '');
  }
  if (r.type === 'CAA') {
    d.flags = String(data.flags ?? '0');
    d.tag = String(data.tag ?? 'issue');
    d.value = String(data.value ?? '');
  }
  return d;
}

export function bodyOf(d: Draft): Record<string, unknown> {
  const proxiable = PROXIABLE.includes(d.type);
  const b: Record<string, unknown> = { type: d.type, name: d.name.trim() || '@', ttl: proxiable && d.proxied ? 1 : d.ttl };
  if (proxiable) b.proxied = d.proxied;
  if (d.type === 'MX') {
    b.content = d.content.trim();
    b.priority = Number(d.priority);
  } else if (d.type === 'SRV') {
    b.data = { priority: Number(d.priority), weight: Number(d.weight), port: Number(d.port), target: d.target.trim() };
  } else if (d.type === 'CAA') {
    b.data = { flags: Number(d.flags), tag: d.tag, value: d.value };
  } else b.content = d.content;
  return b;
}

export function ProxyToggle(props: { proxied: boolean; disabled?: boolean; onToggle: () => void; label: string }) {
  return (
    <button
      type="button"
      class={'cloud ' + (props.proxied ? 'on' : 'off')}
      aria-pressed={props.proxied}
      aria-label={`Proxy status of ${props.label}: ${props.proxied ? 'Proxied' : 'DNS only'}`}
      disabled={props.disabled}
      onClick={props.onToggle}
    >
      <span class="cloud-icon" aria-hidden="true" />
      {props.proxied ? 'Proxied' : 'DNS only'}
    </button>
  );
}

// Inputs for a draft; ids are prefixed (one form per row being edited). `errors` maps a field
// ("name", "content", "ttl", "proxied", "type", "") to the API's message.
export function RecordFields(props: {
  prefix: string;
  draft: Draft;
  set: (d: Draft) => void;
  errors: Record<string, string>;
  typeFixed?: boolean;
}) {
  const { prefix: p, draft: d, set, errors } = props;
  const input = (field: keyof Draft, label: string, opts: { type?: string; placeholder?: string; err?: string; cls?: string } = {}) => (
    <div class={'field ' + (opts.cls ?? '')}>
      <label for={`${p}-${field}`}>{label}</label>
      <input
        id={`${p}-${field}`}
        type={opts.type ?? 'text'}
        value={String(d[field])}
        placeholder={opts.placeholder}
        aria-invalid={opts.err && errors[opts.err] ? 'true' : undefined}
        aria-describedby={opts.err ? `${p}-${opts.err}-error` : undefined}
        onInput={(e) => set({ ...d, [field]: (e.target as HTMLInputElement).value })}
      />
    </div>
  );
  const proxiable = PROXIABLE.includes(d.type);
  return (
    <div class="record-fields">
      <div class="field">
        <label for={`${p}-type`}>Type</label>
        <select
          id={`${p}-type`}
          value={d.type}
          disabled={props.typeFixed}
          onChange={(e) => {
            const t = (e.target as HTMLSelectElement).value;
            set({ ...d, type: t, proxied: PROXIABLE.includes(t) ? d.proxied : false });
          }}
        >
          {TYPES.map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
      </div>
      {input('name', 'Name', { placeholder: '@ or www', err: 'name' })}
      {d.type === 'MX' && input('priority', 'Priority', { type: 'number', cls: 'narrow' })}
      {d.type === 'MX' && input('content', 'Mail server', { placeholder: 'mail.example.com', err: 'content' })}
      {d.type === 'SRV' && input('priority', 'Priority', { type: 'number', cls: 'narrow' })}
      {d.type === 'SRV' && input('weight', 'Weight', { type: 'number', cls: 'narrow' })}
      {d.type === 'SRV' && input('port', 'Port', { type: 'number', cls: 'narrow' })}
      {d.type === 'SRV' && input('target', 'Target', { placeholder: 'sip.example.com', err: 'content' })}
      {d.type === 'CAA' && input('flags', 'Flags', { type: 'number', cls: 'narrow' })}
      {d.type === 'CAA' && (
        <div class="field">
          <label for={`${p}-tag`}>Tag</label>
          <select id={`${p}-tag`} value={d.tag} onChange={(e) => set({ ...d, tag: (e.target as HTMLSelectElement).value })}>
            <option value="issue">issue</option>
            <option value="issuewild">issuewild</option>
            <option value="iodef">iodef</option>
          </select>
        </div>
      )}
      {d.type === 'CAA' && input('value', 'CA domain name', { placeholder: 'letsencrypt.org', err: 'content' })}
      {!['MX', 'SRV', 'CAA'].includes(d.type) &&
        input('content', d.type === 'A' ? 'IPv4 address' : d.type === 'AAAA' ? 'IPv6 address' : d.type === 'CNAME' ? 'Target' : 'Content', {
          err: 'content',
        })}
      {proxiable && (
        <div class="field">
          <span class="label" id={`${p}-proxied-label`}>
            Proxy status
          </span>
          <ProxyToggle proxied={d.proxied} label="this record" onToggle={() => set({ ...d, proxied: !d.proxied })} />
        </div>
      )}
      <div class="field">
        <label for={`${p}-ttl`}>TTL</label>
        <select
          id={`${p}-ttl`}
          value={String(proxiable && d.proxied ? 1 : d.ttl)}
          disabled={proxiable && d.proxied}
          onChange={(e) => set({ ...d, ttl: Number((e.target as HTMLSelectElement).value) })}
        >
          {TTLS.concat(TTLS.some(([v]) => v === d.ttl) ? [] : [[d.ttl, `${d.ttl} s`]]).map(([v, l]) => (
            <option value={String(v)}>{l}</option>
          ))}
        </select>
      </div>
      <FieldError id={`${p}-name-error`} error={errors.name} />
      <FieldError id={`${p}-content-error`} error={errors.content ?? errors.proxied ?? errors.ttl ?? errors.type} />
      <FieldError id={`${p}--error`} error={errors['']} />
    </div>
  );
}

export function ttlText(r: DnsRecord): string {
  if (r.proxied || r.ttl === 1) return 'Auto';
  return TTLS.find(([v]) => v === r.ttl)?.[1] ?? `${r.ttl} s`;
}
