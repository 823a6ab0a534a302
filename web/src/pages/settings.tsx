// CNAME flattening (with the "flatten all" warning and the names it would empty) and DNSSEC.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type DnsRecord } from '../api';
import { saveWithPreview } from '../confirm';
import { useZone } from '../zone';
import { errorText, Status, ZoneNav } from '../ui';

interface Setting {
  id: string;
  value: string;
  editable: boolean;
}

export function Settings(props: { zoneId: string }) {
  const { zone } = useZone(props.zoneId);
  const [flat, setFlat] = useState<Setting | null>(null);
  const [choice, setChoice] = useState('flatten_at_root');
  const [cnames, setCnames] = useState<DnsRecord[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const load = async () => {
    try {
      const s = (await call<Setting>('GET', `/zones/${props.zoneId}/settings/cname_flattening`)).result;
      setFlat(s);
      setChoice(s.value);
      setCnames((await call<DnsRecord[]>('GET', `/zones/${props.zoneId}/dns_records`, { query: { type: 'CNAME', proxied: false, per_page: 1000 } })).result);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [props.zoneId]);
  // CNAMEs whose targets usually hold no address (DKIM keys, verification tokens): flattened,
  // they answer nothing at all.
  const emptied = cnames.filter((c) => c.name.split('.').some((l) => l.startsWith('_')));
  const save = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const notes =
        choice === 'flatten_all'
          ? ['Flatten all CNAMEs: every DNS-only CNAME answers its target\'s addresses instead of the CNAME. ' + (emptied.length ? 'These names would answer nothing: ' + emptied.map((c) => c.name).join(', ') : '')]
          : [];
      const r = await saveWithPreview<Setting>('Change CNAME flattening?', 'PATCH', `/zones/${props.zoneId}/settings/cname_flattening`, { body: { value: choice } }, notes);
      if (r) {
        setNotice(`CNAME flattening is now ${r.result.value === 'flatten_all' ? 'flatten all CNAMEs' : 'flatten at root'}.`);
        load();
      }
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main>
      <ZoneNav zoneId={props.zoneId} zoneName={zone?.name} current="settings" />
      <h1>Settings</h1>
      <Status error={error} info={notice} />
      {flat && (
        <form onSubmit={save} class="card">
          <fieldset disabled={!flat.editable}>
            <legend>CNAME flattening</legend>
            <label class="check">
              <input type="radio" name="flattening" value="flatten_at_root" checked={choice === 'flatten_at_root'} onChange={() => setChoice('flatten_at_root')} />
              Flatten CNAME at the zone apex only
            </label>
            <label class="check">
              <input type="radio" name="flattening" value="flatten_all" checked={choice === 'flatten_all'} onChange={() => setChoice('flatten_all')} />
              Flatten all CNAMEs
            </label>
            {choice === 'flatten_all' && (
              <div class="note warning" role="alert" id="flatten-all-warning">
                <p>
                  Flatten all replaces every DNS-only CNAME with its target's addresses. A CNAME whose target has no address record
                  — a DKIM key under <code>_domainkey</code>, a verification token — then answers nothing, and mail signed with
                  that key fails.
                </p>
                {emptied.length > 0 && (
                  <p>
                    Names this would empty: <strong>{emptied.map((c) => c.name).join(', ')}</strong>
                  </p>
                )}
              </div>
            )}
            <button type="submit" class="primary">
              Save
            </button>
          </fieldset>
        </form>
      )}
      <Dnssec zoneId={props.zoneId} />
    </main>
  );
}

function Dnssec(props: { zoneId: string }) {
  const [state, setState] = useState<{ status?: string; ds?: string[]; missing?: boolean; error?: string } | null>(null);
  useEffect(() => {
    call<Record<string, unknown>>('GET', `/zones/${props.zoneId}/dnssec`)
      .then((r) => {
        const res = r.result ?? {};
        const ds = res.ds ?? res.ds_records;
        setState({ status: String(res.status ?? 'unknown'), ds: Array.isArray(ds) ? ds.map(String) : typeof ds === 'string' ? [ds] : [] });
      })
      .catch((e) => setState(e instanceof ApiError && (e.status === 404 || e.status === 405) ? { missing: true } : { error: errorText(e) }));
  }, [props.zoneId]);
  return (
    <section class="card" aria-labelledby="dnssec-title">
      <h2 id="dnssec-title">DNSSEC</h2>
      {state?.missing && <p id="dnssec-status">DNSSEC is not available on this server.</p>}
      {state?.error && <Status error={state.error} />}
      {state?.status && (
        <>
          <p id="dnssec-status">Status: {state.status}</p>
          <DnssecAdvice status={state.status} ds={state.ds ?? []} />
        </>
      )}
    </section>
  );
}

// What to do with the DS record in each DNSSEC status: give it to the registrar only once the
// answers are signed ("active"); while "pending" it must not be given yet (a DS without signed
// answers makes validating resolvers fail the zone); when off, the registrar must hold none.
function DnssecAdvice(props: { status: string; ds: string[] }) {
  const dsList = props.ds.map((d) => <pre class="content ds">{d}</pre>);
  switch (props.status) {
    case 'active':
      return props.ds.length === 0 ? null : (
        <div id="dnssec-advice">
          <p>Answers are signed. Give this DS record to your registrar:</p>
          {dsList}
        </div>
      );
    case 'pending':
      return (
        <div id="dnssec-advice">
          <p class="note warning">Keys are made but answers are not signed yet: do not give this DS record to your registrar yet.</p>
          {dsList}
        </div>
      );
    case 'pending-disabled':
      return (
        <div id="dnssec-advice">
          <p class="note warning">DNSSEC is being turned off: remove the DS record at your registrar now.</p>
          {dsList}
        </div>
      );
    case 'disabled':
      return props.ds.length === 0 ? null : (
        <p id="dnssec-advice">DNSSEC is off (its keys are kept for turning it on again): your registrar must hold no DS record for this zone.</p>
      );
    default:
      return dsList.length ? <div id="dnssec-advice">{dsList}</div> : null;
  }
}
