// The DNS records page: the table (server-side search, type filter and pages), the proxy toggle,
// edit in place, delete, add, import/export, and the dc-records in force under the table.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, text, type DnsRecord, type ResultInfo, type Served } from '../api';
import { askConfirm, saveWithPreview } from '../confirm';
import { useZone } from '../zone';
import { errorText, Status, ZoneNav } from '../ui';
import { bodyOf, draftOf, emptyDraft, ProxyToggle, RecordFields, ttlText, TYPES, type Draft } from './recordform';

const PER_PAGE = 50;

function fieldErrors(e: unknown): Record<string, string> {
  if (e instanceof ApiError) return { [e.field]: errorText(e) };
  return { '': errorText(e) };
}

// Re-reads the record before a save: what another tab or client changed meanwhile.
async function changedElsewhere(zoneId: string, loaded: DnsRecord): Promise<string[]> {
  try {
    const now = (await call<DnsRecord>('GET', `/zones/${zoneId}/dns_records/${loaded.id}`)).result;
    if (now.modified_on === loaded.modified_on) return [];
    const diffs: string[] = [];
    for (const k of ['name', 'content', 'ttl', 'proxied', 'priority'] as const) {
      if (JSON.stringify(now[k]) !== JSON.stringify(loaded[k])) diffs.push(`${k} was ${JSON.stringify(loaded[k])}, is now ${JSON.stringify(now[k])}`);
    }
    return [`This record was changed elsewhere since this page loaded it${diffs.length ? ': ' + diffs.join('; ') : ''}. Saving replaces that change.`];
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return ['This record was deleted elsewhere since this page loaded it.'];
    throw e;
  }
}

export function Records(props: { zoneId: string }) {
  const zoneId = props.zoneId;
  const { zone, error: zoneError } = useZone(zoneId);
  const readOnly = !!zone?.meta?.file_backed || zone?.type === 'secondary';
  const [rows, setRows] = useState<DnsRecord[] | null>(null);
  const [info, setInfo] = useState<ResultInfo | undefined>();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [type, setType] = useState('');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [served, setServed] = useState<DcRecord[] | null>(null);
  const [editing, setEditing] = useState<{ id: string; draft: Draft; errors: Record<string, string> } | null>(null);
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState<Draft>(emptyDraft());
  const [addErrors, setAddErrors] = useState<Record<string, string>>({});
  const seq = useRef(0);

  const load = async () => {
    const mine = ++seq.current;
    try {
      const r = await call<DnsRecord[]>('GET', `/zones/${zoneId}/dns_records`, { query: { page, per_page: PER_PAGE, search, type } });
      if (mine !== seq.current) return;
      setRows(r.result);
      setInfo(r.result_info);
      setError('');
      const dc = await dcRecords(zoneId);
      if (mine === seq.current) setServed(dc);
    } catch (e) {
      if (mine === seq.current) setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [zoneId, page, search, type]);

  const after = (msg: string) => {
    setNotice(msg);
    load();
  };

  const add = async (e: Event) => {
    e.preventDefault();
    setAddErrors({});
    try {
      const body = bodyOf(draft);
      const r = await saveWithPreview<DnsRecord>(`Add ${draft.type} record ${body.name}?`, 'POST', `/zones/${zoneId}/dns_records`, { body });
      if (!r) return;
      setDraft(emptyDraft());
      setAdding(false);
      after(`Added ${r.result.type} ${r.result.name}.`);
    } catch (err) {
      setAddErrors(fieldErrors(err));
    }
  };

  const toggle = async (r: DnsRecord) => {
    setError('');
    try {
      const notes = await changedElsewhere(zoneId, r);
      const title = `Set ${r.name} (${r.type}) to ${r.proxied ? 'DNS only' : 'Proxied'}?`;
      const res = await saveWithPreview<DnsRecord>(title, 'PATCH', `/zones/${zoneId}/dns_records/${r.id}`, { body: { proxied: !r.proxied } }, notes);
      if (res) after(`${r.name} is now ${res.result.proxied ? 'Proxied' : 'DNS only'}.`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const saveEdit = async (r: DnsRecord) => {
    if (!editing) return;
    try {
      const notes = await changedElsewhere(zoneId, r);
      const res = await saveWithPreview<DnsRecord>(`Save ${r.type} record ${r.name}?`, 'PATCH', `/zones/${zoneId}/dns_records/${r.id}`, { body: bodyOf(editing.draft) }, notes);
      if (!res) return;
      setEditing(null);
      after(`Saved ${res.result.type} ${res.result.name}.`);
    } catch (e) {
      setEditing({ ...editing, errors: fieldErrors(e) });
    }
  };

  const remove = async (r: DnsRecord) => {
    setError('');
    try {
      const dry = await call('DELETE', `/zones/${zoneId}/dns_records/${r.id}`, { query: { dry_run: true } });
      const ok = await askConfirm(
        `Delete ${r.type} record ${r.name} (${r.content})?`,
        dry.messages.filter((m) => m.code !== 1119),
        ['Deleting cannot be undone.'],
        'Delete',
      );
      if (!ok) return;
      await call('DELETE', `/zones/${zoneId}/dns_records/${r.id}`);
      after(`Deleted ${r.type} ${r.name}.`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <main>
      <ZoneNav zoneId={zoneId} zoneName={zone?.name} current="dns" />
      <h1>DNS records{zone ? ` of ${zone.name}` : ''}</h1>
      <Status error={zoneError || error} info={notice} />
      {readOnly && <p class="note">This zone is {zone?.meta?.file_backed ? `served from the file ${zone?.meta?.file ?? ''}` : 'a secondary zone'}: read-only here.</p>}
      <div class="toolbar">
        <div class="field">
          <label for="record-search">Search records</label>
          <input
            id="record-search"
            type="search"
            value={search}
            onInput={(e) => {
              setPage(1);
              setSearch((e.target as HTMLInputElement).value.trim());
            }}
          />
        </div>
        <div class="field">
          <label for="record-type">Type</label>
          <select
            id="record-type"
            value={type}
            onChange={(e) => {
              setPage(1);
              setType((e.target as HTMLSelectElement).value);
            }}
          >
            <option value="">All types</option>
            {TYPES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </div>
        {!readOnly && (
          <button type="button" class="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            Add record
          </button>
        )}
      </div>
      {adding && (
        <form class="add-record" onSubmit={add} aria-label="Add a record">
          <RecordFields prefix="add" draft={draft} set={setDraft} errors={addErrors} />
          <div class="actions">
            <button type="submit" class="primary">
              Save
            </button>
            <button type="button" onClick={() => setAdding(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <div class="table-wrap">
        <table class="records" aria-busy={rows === null}>
          <caption class="sr-only">DNS records</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Name</th>
              <th scope="col">Content</th>
              <th scope="col">Proxy status</th>
              <th scope="col">TTL</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((r) =>
              editing?.id === r.id ? (
                <tr class="editing">
                  <td colSpan={6}>
                    <form
                      aria-label={`Edit ${r.type} ${r.name}`}
                      onSubmit={(e) => {
                        e.preventDefault();
                        saveEdit(r);
                      }}
                    >
                      <RecordFields prefix={`edit-${r.id}`} draft={editing.draft} set={(d) => setEditing({ ...editing, draft: d })} errors={editing.errors} typeFixed />
                      <div class="actions">
                        <button type="submit" class="primary">
                          Save
                        </button>
                        <button type="button" onClick={() => setEditing(null)}>
                          Cancel
                        </button>
                      </div>
                    </form>
                  </td>
                </tr>
              ) : (
                <tr data-id={r.id}>
                  <td class="type">{r.type}</td>
                  <td class="name">
                    <a href={`/zones/${zoneId}/records/${r.id}`}>{r.name}</a>
                  </td>
                  <td class="content">
                    {r.priority !== undefined && r.type === 'MX' ? <span class="prio">{r.priority} </span> : null}
                    {r.content}
                  </td>
                  <td class="proxy">
                    {r.proxiable ? (
                      <ProxyToggle proxied={r.proxied} disabled={readOnly || r.meta?.read_only} label={`${r.type} ${r.name}`} onToggle={() => toggle(r)} />
                    ) : (
                      <span class="muted">DNS only</span>
                    )}
                  </td>
                  <td class="ttl" data-label="TTL">
                    {ttlText(r)}
                  </td>
                  <td class="row-actions">
                    {!readOnly && !r.meta?.read_only && (
                      <>
                        <button type="button" aria-label={`Edit ${r.type} ${r.name}`} onClick={() => setEditing({ id: r.id, draft: draftOf(r), errors: {} })}>
                          Edit
                        </button>
                        <button type="button" class="danger" aria-label={`Delete ${r.type} ${r.name}`} onClick={() => remove(r)}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
      {rows && rows.length === 0 && <p>No records{search || type ? ' match' : ''}.</p>}
      {info && (
        <nav class="pager" aria-label="Record pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            {info.total_count} records · page {info.page} of {Math.max(1, info.total_pages)}
          </span>
          <button type="button" disabled={page >= info.total_pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
      <DcRecords served={served} />
      {!readOnly && <ImportExport zoneId={zoneId} zoneName={zone?.name ?? 'zone'} onDone={after} />}
      {readOnly && <ImportExport zoneId={zoneId} zoneName={zone?.name ?? 'zone'} onDone={after} exportOnly />}
    </main>
  );
}

interface DcRecord {
  name: string;
  answers: string[];
  causes: string[];
  why: string[];
}

// The dc-records in force, from the served view of each MX/SRV owner and of each dc name (the
// whole zone's served view would cost as much as the zone is large).
async function dcRecords(zoneId: string): Promise<DcRecord[]> {
  const owners = new Set<string>();
  for (const t of ['MX', 'SRV']) {
    const r = await call<DnsRecord[]>('GET', `/zones/${zoneId}/dns_records`, { query: { type: t, per_page: 1000 } });
    r.result.forEach((x) => owners.add(x.name));
  }
  const found = new Map<string, DcRecord>();
  for (const owner of [...owners].slice(0, 100)) {
    const s = (await call<Served>('GET', `/zones/${zoneId}/dns_records/served`, { query: { name: owner } })).result;
    for (const rr of s.records) {
      if (rr.type !== 'MX' && rr.type !== 'SRV') continue;
      const target = rr.content.split(/\s+/).pop()!.replace(/\.$/, '');
      if (!/^dc-[0-9a-f]{8}\./.test(target)) continue;
      const d = found.get(target) ?? { name: target, answers: [], causes: [], why: [] };
      d.causes.push(`${rr.type} ${rr.name} → ${rr.content}`);
      found.set(target, d);
    }
  }
  for (const d of found.values()) {
    const s = (await call<Served>('GET', `/zones/${zoneId}/dns_records/served`, { query: { name: d.name } })).result;
    d.answers = s.records.filter((r) => r.name === d.name).map((r) => `${r.type} ${r.content}`);
    d.why = s.explain[d.name] ?? [];
  }
  return [...found.values()];
}

function DcRecords(props: { served: DcRecord[] | null }) {
  const dcs = props.served;
  if (!dcs) return null;
  return (
    <section class="dc-records" aria-labelledby="dc-title">
      <h2 id="dc-title">dc-records in force</h2>
      {dcs.length === 0 ? (
        <p>None: no MX or SRV record points at a proxied name.</p>
      ) : (
        <>
          <p>
            Mail cannot pass the edge, so these names are synthesized for MX/SRV targets that are proxied. They answer the origin
            address and are not editable: make the target DNS only, or point the MX/SRV at a DNS-only host, to remove them.
          </p>
          <ul>
            {dcs.map((dc) => (
              <li class="dc-record" data-name={dc.name}>
                <strong>{dc.name}</strong> {dc.answers.join(', ')}
                <ul>
                  {dc.causes.map((c) => (
                    <li>caused by {c}</li>
                  ))}
                  {dc.why.map((why) => (
                    <li class="why">{why}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ImportExport(props: { zoneId: string; zoneName: string; onDone: (msg: string) => void; exportOnly?: boolean }) {
  const [file, setFile] = useState<File | null>(null);
  const [proxied, setProxied] = useState(false);
  const [error, setError] = useState('');
  const doImport = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (!file) return setError('Choose a zone file first.');
    const form = () => {
      const f = new FormData();
      f.append('file', file);
      f.append('proxied', proxied ? 'true' : 'false');
      return f;
    };
    try {
      const dry = await call<{ recs_added: number; total_records_parsed: number }>('POST', `/zones/${props.zoneId}/dns_records/import`, {
        form: form(),
        query: { dry_run: true },
      });
      const ok = await askConfirm(
        `Import ${dry.result.recs_added} of ${dry.result.total_records_parsed} records from ${file.name}?`,
        dry.messages.filter((m) => m.code !== 1119),
      );
      if (!ok) return;
      const r = await call<{ recs_added: number }>('POST', `/zones/${props.zoneId}/dns_records/import`, { form: form() });
      props.onDone(`Imported ${r.result.recs_added} records.`);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const doExport = async () => {
    setError('');
    try {
      const body = await text(`/zones/${props.zoneId}/dns_records/export`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([body], { type: 'text/plain' }));
      a.download = `${props.zoneName}.zone`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="import-export" aria-labelledby="ie-title">
      <h2 id="ie-title">{props.exportOnly ? 'Export' : 'Import and export'}</h2>
      {!props.exportOnly && (
        <form onSubmit={doImport} class="inline">
          <label for="import-file">Zone file</label>
          <input id="import-file" type="file" accept=".zone,.txt,text/plain" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
          <label class="check">
            <input type="checkbox" checked={proxied} onChange={(e) => setProxied((e.target as HTMLInputElement).checked)} /> Proxy imported A, AAAA and CNAME
            records
          </label>
          <button type="submit">Import</button>
        </form>
      )}
      <button type="button" onClick={doExport}>
        Export zone file
      </button>
      <Status error={error} />
    </section>
  );
}
