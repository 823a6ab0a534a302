import { useEffect, useState } from 'preact/hooks';
import { call, type ResultInfo, type Zone } from '../api';
import { navigate } from '../router';
import { errorText, FieldError, Status } from '../ui';

export function Zones() {
  const [zones, setZones] = useState<Zone[] | null>(null);
  const [info, setInfo] = useState<ResultInfo | undefined>();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [addError, setAddError] = useState('');

  const load = async () => {
    try {
      const r = await call<Zone[]>('GET', '/zones', { query: { per_page: 50, page, name: search ? 'contains:' + search : undefined } });
      setZones(r.result);
      setInfo(r.result_info);
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [search, page]);

  const add = async (e: Event) => {
    e.preventDefault();
    setAddError('');
    try {
      const r = await call<Zone>('POST', '/zones', { body: { name: name.trim() } });
      setName('');
      navigate(`/zones/${r.result.id}/dns`);
    } catch (err) {
      setAddError(errorText(err));
    }
  };

  return (
    <main>
      <h1>Zones</h1>
      <Status error={error} />
      <form class="inline" onSubmit={add} aria-label="Add a zone">
        <label for="zone-name">Add a zone</label>
        <input
          id="zone-name"
          placeholder="example.com"
          value={name}
          required
          aria-describedby="zone-name-error"
          aria-invalid={addError ? 'true' : undefined}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary">
          Add zone
        </button>
        <FieldError id="zone-name-error" error={addError} />
      </form>
      <div class="inline">
        <label for="zone-search">Search zones</label>
        <input
          id="zone-search"
          type="search"
          value={search}
          onInput={(e) => {
            setPage(1);
            setSearch((e.target as HTMLInputElement).value.trim());
          }}
        />
      </div>
      {zones && zones.length === 0 && <p>No zone matches.</p>}
      {zones && zones.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Zones</caption>
            <thead>
              <tr>
                <th scope="col">Zone</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {zones.map((z) => (
                <tr>
                  <td>
                    <a href={`/zones/${z.id}/dns`}>{z.name}</a>
                  </td>
                  <td>{z.status}</td>
                  <td>{z.meta?.file_backed ? `file ${z.meta.file ?? ''} (read-only)` : z.type === 'secondary' ? 'secondary' : 'API'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {info && info.total_pages > 1 && (
        <nav class="pager" aria-label="Zone pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {info.page} of {info.total_pages}
          </span>
          <button type="button" disabled={page >= info.total_pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </main>
  );
}
