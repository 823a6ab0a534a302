// Secondary DNS: the account's peers and TSIG keys, and the zone's outgoing transfers.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { askConfirm } from '../confirm';
import { useZone } from '../zone';
import { errorText, Status, ZoneNav } from '../ui';

interface Peer {
  id: string;
  name: string;
  ip: string;
  port: number;
  tsig_id: string | null;
}
interface Tsig {
  id: string;
  name: string;
  algo: string;
}
interface Outgoing {
  name: string;
  peers: string[];
}

export function Secondary(props: { zoneId: string }) {
  const { zone } = useZone(props.zoneId);
  const account = zone?.account?.id;
  const [peers, setPeers] = useState<Peer[]>([]);
  const [tsigs, setTsigs] = useState<Tsig[]>([]);
  const [outgoing, setOutgoing] = useState<Outgoing | null>(null);
  const [error, setError] = useState('');
  const [peer, setPeer] = useState({ name: '', ip: '', port: '53', tsig_id: '' });
  const [key, setKey] = useState({ name: '', algo: 'hmac-sha256.', secret: '' });
  const [chosen, setChosen] = useState<string[]>([]);
  const load = async () => {
    if (!account) return;
    try {
      setPeers((await call<Peer[]>('GET', `/accounts/${account}/secondary_dns/peers`)).result);
      setTsigs((await call<Tsig[]>('GET', `/accounts/${account}/secondary_dns/tsigs`)).result);
      try {
        const o = (await call<Outgoing>('GET', `/zones/${props.zoneId}/secondary_dns/outgoing`)).result;
        setOutgoing(o);
        setChosen(o.peers);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) setOutgoing(null);
        else throw e;
      }
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, [account]);
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const base = `/accounts/${account}/secondary_dns`;
  return (
    <main>
      <ZoneNav zoneId={props.zoneId} zoneName={zone?.name} current="secondary" />
      <h1>Secondary DNS</h1>
      <Status error={error} />
      <section class="card" aria-labelledby="out-title">
        <h2 id="out-title">Outgoing zone transfers</h2>
        <p>{outgoing ? `Peers NOTIFYed and allowed to transfer ${outgoing.name}:` : 'Not enabled. Choose the peers that may transfer this zone:'}</p>
        <fieldset>
          <legend class="sr-only">Peers</legend>
          {peers.length === 0 && <p>No peers yet: add one below.</p>}
          {peers.map((p) => (
            <label class="check">
              <input
                type="checkbox"
                checked={chosen.includes(p.id)}
                onChange={(e) => setChosen((e.target as HTMLInputElement).checked ? [...chosen, p.id] : chosen.filter((x) => x !== p.id))}
              />{' '}
              {p.name} ({p.ip}:{p.port})
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          class="primary"
          onClick={() => act(() => call(outgoing ? 'PUT' : 'POST', `/zones/${props.zoneId}/secondary_dns/outgoing`, { body: { name: zone?.name, peers: chosen } }))}
        >
          {outgoing ? 'Save peers' : 'Enable outgoing transfers'}
        </button>
        {outgoing && (
          <button
            type="button"
            class="danger"
            onClick={async () => (await askConfirm('Disable outgoing transfers?', [], [], 'Disable')) && act(() => call('DELETE', `/zones/${props.zoneId}/secondary_dns/outgoing`))}
          >
            Disable
          </button>
        )}
      </section>
      <section class="card" aria-labelledby="peers-title">
        <h2 id="peers-title">Peers</h2>
        <ul>
          {peers.map((p) => (
            <li>
              {p.name} — {p.ip}:{p.port} {p.tsig_id ? `(TSIG ${tsigs.find((t) => t.id === p.tsig_id)?.name ?? p.tsig_id})` : ''}{' '}
              <button type="button" class="danger" aria-label={`Delete peer ${p.name}`} onClick={async () => (await askConfirm(`Delete peer ${p.name}?`, [], [], 'Delete')) && act(() => call('DELETE', `${base}/peers/${p.id}`))}>
                Delete
              </button>
            </li>
          ))}
        </ul>
        <form
          class="record-fields"
          aria-label="Add a peer"
          onSubmit={(e) => {
            e.preventDefault();
            act(() => call('POST', `${base}/peers`, { body: { name: peer.name, ip: peer.ip, port: Number(peer.port), tsig_id: peer.tsig_id || null } }));
          }}
        >
          {(['name', 'ip', 'port'] as const).map((k) => (
            <div class="field">
              <label for={`peer-${k}`}>{k === 'ip' ? 'IP address' : k[0].toUpperCase() + k.slice(1)}</label>
              <input id={`peer-${k}`} required value={peer[k]} onInput={(e) => setPeer({ ...peer, [k]: (e.target as HTMLInputElement).value })} />
            </div>
          ))}
          <div class="field">
            <label for="peer-tsig">TSIG key</label>
            <select id="peer-tsig" value={peer.tsig_id} onChange={(e) => setPeer({ ...peer, tsig_id: (e.target as HTMLSelectElement).value })}>
              <option value="">none</option>
              {tsigs.map((t) => (
                <option value={t.id}>{t.name}</option>
              ))}
            </select>
          </div>
          <button type="submit">Add peer</button>
        </form>
      </section>
      <section class="card" aria-labelledby="tsig-title">
        <h2 id="tsig-title">TSIG keys</h2>
        <ul>
          {tsigs.map((t) => (
            <li>
              {t.name} ({t.algo}){' '}
              <button type="button" class="danger" aria-label={`Delete TSIG key ${t.name}`} onClick={async () => (await askConfirm(`Delete TSIG key ${t.name}?`, [], [], 'Delete')) && act(() => call('DELETE', `${base}/tsigs/${t.id}`))}>
                Delete
              </button>
            </li>
          ))}
        </ul>
        <form
          class="record-fields"
          aria-label="Add a TSIG key"
          onSubmit={(e) => {
            e.preventDefault();
            act(() => call('POST', `${base}/tsigs`, { body: key }));
          }}
        >
          <div class="field">
            <label for="tsig-name">Key name</label>
            <input id="tsig-name" required value={key.name} onInput={(e) => setKey({ ...key, name: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for="tsig-algo">Algorithm</label>
            <select id="tsig-algo" value={key.algo} onChange={(e) => setKey({ ...key, algo: (e.target as HTMLSelectElement).value })}>
              <option value="hmac-sha256.">hmac-sha256</option>
              <option value="hmac-sha512.">hmac-sha512</option>
            </select>
          </div>
          <div class="field">
            <label for="tsig-secret">Secret (base64)</label>
            <input id="tsig-secret" required autocomplete="off" value={key.secret} onInput={(e) => setKey({ ...key, secret: (e.target as HTMLInputElement).value })} />
          </div>
          <button type="submit">Add key</button>
        </form>
      </section>
    </main>
  );
}
