// One record: what is stored, side by side with what resolvers get for its name and why.
import { useEffect, useState } from 'preact/hooks';
import { call, type DnsRecord, type Served } from '../api';
import { useZone } from '../zone';
import { errorText, Status, ZoneNav } from '../ui';
import { ttlText } from './recordform';

export function RecordDetail(props: { zoneId: string; recordId: string }) {
  const { zone } = useZone(props.zoneId);
  const [rec, setRec] = useState<DnsRecord | null>(null);
  const [served, setServed] = useState<Served | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    (async () => {
      try {
        const r = (await call<DnsRecord>('GET', `/zones/${props.zoneId}/dns_records/${props.recordId}`)).result;
        setRec(r);
        setServed((await call<Served>('GET', `/zones/${props.zoneId}/dns_records/served`, { query: { name: r.name } })).result);
      } catch (e) {
        setError(errorText(e));
      }
    })();
  }, [props.zoneId, props.recordId]);
  return (
    <main>
      <ZoneNav zoneId={props.zoneId} zoneName={zone?.name} current="" />
      <h1>Record {rec ? `${rec.type} ${rec.name}` : ''}</h1>
      <Status error={error} />
      {rec && (
        <div class="side-by-side">
          <section aria-labelledby="stored-title">
            <h2 id="stored-title">Stored</h2>
            <dl>
              <dt>Type</dt>
              <dd>{rec.type}</dd>
              <dt>Name</dt>
              <dd>{rec.name}</dd>
              <dt>Content</dt>
              <dd class="content">{rec.content}</dd>
              {rec.priority !== undefined && (
                <>
                  <dt>Priority</dt>
                  <dd>{rec.priority}</dd>
                </>
              )}
              <dt>Proxy status</dt>
              <dd>{rec.proxiable ? (rec.proxied ? 'Proxied' : 'DNS only') : 'DNS only (not proxiable)'}</dd>
              <dt>TTL</dt>
              <dd>{ttlText(rec)}</dd>
              <dt>Modified</dt>
              <dd>{rec.modified_on ?? ''}</dd>
            </dl>
          </section>
          <section aria-labelledby="served-title">
            <h2 id="served-title">What resolvers get</h2>
            {served && (
              <>
                <table>
                  <caption class="sr-only">Served records of {rec.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">TTL</th>
                      <th scope="col">Answer</th>
                    </tr>
                  </thead>
                  <tbody>
                    {served.records.map((s) => (
                      <tr>
                        <td>{s.type}</td>
                        <td>{s.ttl}</td>
                        <td class="content">{s.content}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h3>Why</h3>
                {Object.keys(served.explain).length === 0 ? (
                  <p>Served as stored.</p>
                ) : (
                  <ul>
                    {Object.entries(served.explain).flatMap(([n, why]) => why.map((w) => <li>{`${n}: ${w}`}</li>))}
                  </ul>
                )}
              </>
            )}
          </section>
        </div>
      )}
    </main>
  );
}
