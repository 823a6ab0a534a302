import { useState } from 'preact/hooks';
import { ApiError, call, setToken } from '../api';
import { navigate } from '../router';
import { errorText } from '../ui';

export function SignIn(props: { next: string }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await call('GET', '/user/tokens/verify', { tokenOverride: value.trim() });
      setToken(value.trim());
      const next = props.next;
      navigate(next.startsWith('/') && !next.startsWith('//') && next !== '/' && !next.startsWith('/signin') ? next : '/zones', true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403)
        setError('This token was refused: check that you copied it whole and that it is active. (' + errorText(err) + ')');
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Sign in to dnsedge</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          required
          autofocus
          value={value}
          aria-describedby="token-help token-error"
          aria-invalid={error ? 'true' : undefined}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <p id="token-help" class="help">
          The token given to <code>dnsedge serve --api-token</code>, or one made with <code>POST /user/tokens</code>. It stays in
          this tab only (session storage) and is sent as a bearer header.
        </p>
        <p id="token-error" class="field-error" role={error ? 'alert' : undefined}>
          {error}
        </p>
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
