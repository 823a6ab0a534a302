// The dashboard: sign-in, then the zone pages, each at its own URL.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './app.css';
import { onAuthFailure, onReachability, setToken, token } from './api';
import { ConfirmHost } from './confirm';
import { linkClick, navigate, usePath } from './router';
import { RecordDetail } from './pages/detail';
import { MailDoctor } from './pages/mail';
import { Records } from './pages/records';
import { Secondary } from './pages/secondary';
import { Settings } from './pages/settings';
import { SignIn } from './pages/signin';
import { Spectrum } from './pages/spectrum';
import { Zones } from './pages/zones';

function page(path: string) {
  const p = path.split('?')[0].split('/').filter(Boolean);
  if (p[0] === 'zones' && p[1]) {
    const id = p[1];
    switch (p[2] ?? 'dns') {
      case 'dns':
        return { title: 'DNS records', node: <Records key={id} zoneId={id} /> };
      case 'records':
        return { title: 'Record', node: <RecordDetail key={p[3]} zoneId={id} recordId={p[3] ?? ''} /> };
      case 'settings':
        return { title: 'Settings', node: <Settings key={id} zoneId={id} /> };
      case 'mail':
        return { title: 'Mail doctor', node: <MailDoctor key={id} zoneId={id} /> };
      case 'spectrum':
        return { title: 'Spectrum apps', node: <Spectrum key={id} zoneId={id} /> };
      case 'secondary':
        return { title: 'Secondary DNS', node: <Secondary key={id} zoneId={id} /> };
    }
  }
  if (p.length === 0 || p[0] === 'zones') return { title: 'Zones', node: <Zones /> };
  return {
    title: 'Not found',
    node: (
      <main>
        <h1>Page not found</h1>
        <p>
          <a href="/zones">Go to the zones</a>
        </p>
      </main>
    ),
  };
}

function App() {
  const path = usePath();
  const [offline, setOffline] = useState(false);
  useEffect(() => onReachability((ok) => setOffline(!ok)), []);
  useEffect(
    () =>
      onAuthFailure(() => {
        setToken(null);
        navigate('/signin?next=' + encodeURIComponent(location.pathname), true);
      }),
    [],
  );
  const signedIn = token() !== null;
  const onSignIn = path.startsWith('/signin');
  useEffect(() => {
    if (!signedIn && !onSignIn) navigate('/signin?next=' + encodeURIComponent(location.pathname), true);
  }, [signedIn, onSignIn]);
  const current = onSignIn || !signedIn ? { title: 'Sign in', node: <SignIn next={new URLSearchParams(location.search).get('next') ?? '/zones'} /> } : page(path);
  useEffect(() => {
    document.title = `${current.title} · dnsedge`;
  }, [current.title]);
  return (
    <div onClick={linkClick as unknown as (e: Event) => void}>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a href="/zones" class="brand">
          <span class="cloud-icon" aria-hidden="true" /> dnsedge
        </a>
        {signedIn && !onSignIn && (
          <button
            type="button"
            onClick={() => {
              setToken(null);
              navigate('/signin', true);
            }}
          >
            Sign out
          </button>
        )}
      </header>
      {offline && (
        <div class="banner" role="alert">
          The dnsedge server cannot be reached (network down or server stopped). Nothing was saved; try again once it answers.
        </div>
      )}
      <div id="content" tabIndex={-1}>
        {current.node}
      </div>
      <ConfirmHost />
    </div>
  );
}

render(<App />, document.getElementById('app')!);
