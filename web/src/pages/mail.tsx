// The mail doctor: findings grouped by severity, each with its records and fix; "Fix it" where
// the fix is a record change, through the dry-run confirm.
import { useEffect, useState } from 'preact/hooks';
import { call, type DnsRecord } from '../api';
import { saveWithPreview } from '../confirm';
import { useZone } from '../zone';
import { errorText, Status, ZoneNav } from '../ui';

interface Finding {
  id: string;
  severity: string;
  title: string;
  records: string[];
  explanation: string;
  fix: string;
}
interface Report {
  domain: string;
  findings: Finding[];
  summary: Record<string, number>;
  checked: boolean;
  not_checked: string[];
}

// The record change that fixes a finding, when there is one.
function fixOf(f: Finding, zone: string): { label: string; run: (zoneId: string) => Promise<boolean> } | null {
  if (f.id === 'dmarc.none')
    return {
      label: 'Add a DMARC record (p=none)',
      run: async (zoneId) =>
        !!(await saveWithPreview('Add _dmarc TXT "v=DMARC1; p=none"?', 'POST', `/zones/${zoneId}/dns_records`, {
          body: { type: 'TXT', name: '_dmarc', content: 'v=DMARC1; p=none', ttl: 1 },
        })),
    };
  if (f.id === 'mx.none_no_address')
    return {
      label: 'Publish a null MX',
      run: async (zoneId) =>
        !!(await saveWithPreview(`Add MX 0 . at ${zone}?`, 'POST', `/zones/${zoneId}/dns_records`, { body: { type: 'MX', name: '@', content: '.', priority: 0 } })),
    };
  if (['proxy.mx_target_proxied', 'proxy.srv_target_proxied', 'proxy.origin_exposed'].includes(f.id)) {
    const proxied = f.records.filter((r) => r.includes('; proxied')).map((r) => r.split(/\s+/)[0].replace(/\.$/, ''));
    if (proxied.length === 0) return null;
    return {
      label: `Make ${proxied[0]} DNS only`,
      run: async (zoneId) => {
        const recs = (await call<DnsRecord[]>('GET', `/zones/${zoneId}/dns_records`, { query: { name: proxied[0], proxied: true } })).result;
        if (recs.length === 0) return false;
        const r = await saveWithPreview(`Set ${recs[0].name} to DNS only?`, 'PATCH', `/zones/${zoneId}/dns_records/${recs[0].id}`, { body: { proxied: false } });
        return !!r;
      },
    };
  }
  return null;
}

export function MailDoctor(props: { zoneId: string }) {
  const { zone } = useZone(props.zoneId);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [online, setOnline] = useState(false);
  const load = async () => {
    setReport(null);
    try {
      setReport((await call<Report>('GET', `/zones/${props.zoneId}/mail_doctor`, { query: { offline: online ? undefined : true } })).result);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [props.zoneId, online]);
  const groups = ['error', 'warning', 'info'];
  return (
    <main>
      <ZoneNav zoneId={props.zoneId} zoneName={zone?.name} current="mail" />
      <h1>Mail doctor</h1>
      <Status error={error} info={notice} />
      <label class="check">
        <input type="checkbox" checked={online} onChange={(e) => setOnline((e.target as HTMLInputElement).checked)} /> Also look up names outside this
        server's zones
      </label>
      {!report && !error && <p role="status">Checking…</p>}
      {report && (
        <>
          <p>
            {report.summary.error ?? 0} errors, {report.summary.warning ?? 0} warnings, {report.summary.info ?? 0} notes.
          </p>
          {groups.map((sev) => {
            const fs = report.findings.filter((f) => f.severity === sev);
            if (fs.length === 0) return null;
            return (
              <section class={'findings ' + sev} aria-labelledby={`sev-${sev}`}>
                <h2 id={`sev-${sev}`}>{sev === 'error' ? 'Errors' : sev === 'warning' ? 'Warnings' : 'Notes'}</h2>
                {fs.map((f) => {
                  const fix = zone ? fixOf(f, zone.name) : null;
                  return (
                    <article class="finding" data-id={f.id}>
                      <h3>
                        <span class={'tag ' + sev}>{sev}</span> {f.title} <code>{f.id}</code>
                      </h3>
                      <p>{f.explanation}</p>
                      {f.records.length > 0 && <pre class="content">{f.records.join('\n')}</pre>}
                      <p>
                        <strong>Fix:</strong> {f.fix}
                      </p>
                      {fix && (
                        <button
                          type="button"
                          onClick={async () => {
                            try {
                              if (await fix.run(props.zoneId)) {
                                setNotice('Fixed: ' + fix.label + '.');
                                load();
                              }
                            } catch (e) {
                              setError(errorText(e));
                            }
                          }}
                        >
                          Fix it: {fix.label}
                        </button>
                      )}
                    </article>
                  );
                })}
              </section>
            );
          })}
          {report.not_checked.length > 0 && (
            <p class="note">Not checked: {report.not_checked.join('; ')}</p>
          )}
        </>
      )}
    </main>
  );
}
