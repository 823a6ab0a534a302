// Small shared pieces: error text next to a field, a status line, the zone's tab bar.
import type { ComponentChildren } from 'preact';
import { ApiError } from './api';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.errors.map((x) => (x.code ? `${x.message} (code ${x.code})` : x.message)).join('; ') || e.message;
  return e instanceof Error ? e.message : String(e);
}

export function FieldError(props: { id: string; error?: string }) {
  return (
    <span id={props.id} class="field-error" role={props.error ? 'alert' : undefined}>
      {props.error ?? ''}
    </span>
  );
}

export function Status(props: { error?: string; info?: string }) {
  if (props.error)
    return (
      <p class="status error" role="alert">
        {props.error}
      </p>
    );
  if (props.info)
    return (
      <p class="status info" role="status">
        {props.info}
      </p>
    );
  return null;
}

const tabs: [string, string][] = [
  ['dns', 'DNS records'],
  ['settings', 'Settings'],
  ['mail', 'Mail doctor'],
  ['spectrum', 'Spectrum'],
  ['secondary', 'Secondary DNS'],
];

export function ZoneNav(props: { zoneId: string; zoneName?: string; current: string; children?: ComponentChildren }) {
  return (
    <div class="zone-head">
      <p class="crumbs">
        <a href="/zones">Zones</a> / <span>{props.zoneName ?? props.zoneId}</span>
      </p>
      <nav aria-label="Zone pages" class="tabs">
        {tabs.map(([k, label]) => (
          <a href={`/zones/${props.zoneId}/${k}`} aria-current={props.current === k ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {props.children}
    </div>
  );
}
