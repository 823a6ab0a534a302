// Spectrum apps of a zone: list, add, delete.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { askConfirm } from '../confirm';
import { useZone } from '../zone';
import { errorText, FieldError, Status, ZoneNav } from '../ui';

interface App {
  id: string;
  protocol: string;
  dns: { type: string; name: string };
  origin_direct?: string[];
  edge_ips?: { ips?: string[] };
}

export function Spectrum(props: { zoneId: string }) {
  const { zone } = useZone(props.zoneId);
  const [apps, setApps] = useState<App[] | null>(null);
  const [error, setError] = useState('');
  const [form, setForm] = useState({ protocol: 'tcp/25', name: '', origin: '' });
  const [addError, setAddError] = useState('');
  const load = () =>
    call<App[]>('GET', `/zones/${props.zoneId}/spectrum/apps`, { query: { per_page: 100 } })
      .then((r) => setApps(r.result))
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    load();
  }, [props.zoneId]);
  const add = async (e: Event) => {
    e.preventDefault();
    setAddError('');
    try {
      await call('POST', `/zones/${props.zoneId}/spectrum/apps`, {
        body: { protocol: form.protocol, dns: { type: 'CNAME', name: form.name }, origin_direct: [form.origin] },
      });
      load();
    } catch (err) {
      setAddError(errorText(err));
    }
  };
  const remove = async (a: App) => {
    if (!(await askConfirm(`Delete the Spectrum app ${a.dns.name} (${a.protocol})?`, [], ['Its listener closes and its name stops answering.'], 'Delete'))) return;
    try {
      await call('DELETE', `/zones/${props.zoneId}/spectrum/apps/${a.id}`);
      load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const field = (k: keyof typeof form, label: string, placeholder: string) => (
    <div class="field">
      <label for={`app-${k}`}>{label}</label>
      <input id={`app-${k}`} value={form[k]} placeholder={placeholder} required onInput={(e) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })} />
    </div>
  );
  return (
    <main>
      <ZoneNav zoneId={props.zoneId} zoneName={zone?.name} current="spectrum" />
      <h1>Spectrum apps</h1>
      <Status error={error} />
      {apps && apps.length === 0 && <p>No Spectrum apps.</p>}
      {apps && apps.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Spectrum apps</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Protocol</th>
                <th scope="col">Origin</th>
                <th scope="col">Edge</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr>
                  <td>{a.dns.name}</td>
                  <td>{a.protocol}</td>
                  <td>{(a.origin_direct ?? []).join(', ')}</td>
                  <td>{(a.edge_ips?.ips ?? []).join(', ')}</td>
                  <td>
                    <button type="button" class="danger" aria-label={`Delete app ${a.dns.name}`} onClick={() => remove(a)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card record-fields" onSubmit={add} aria-label="Add a Spectrum app">
        {field('protocol', 'Protocol', 'tcp/25')}
        {field('name', 'Name', `smtp.${zone?.name ?? 'example.com'}`)}
        {field('origin', 'Origin', 'tcp://192.0.2.1:25')}
        <button type="submit" class="primary">
          Add app
        </button>
        <FieldError id="app-error" error={addError} />
      </form>
    </main>
  );
}
