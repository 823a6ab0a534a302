// The confirm step before every save: the write runs first with ?dry_run=true and the dialog
// shows what the API says it would cause (dc-records, exposed origins, the mail doctor's new
// findings with their fixes); only "Save" sends it for real.
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, effects, type ApiMessage, type CallOptions, type Envelope } from './api';

interface Ask {
  title: string;
  messages: ApiMessage[];
  notes: string[];
  action: string;
  resolve: (ok: boolean) => void;
}

let show: ((a: Ask) => void) | null = null;

// `action` labels the button that goes ahead ("Save", "Delete").
export function askConfirm(title: string, messages: ApiMessage[], notes: string[] = [], action = 'Save'): Promise<boolean> {
  return new Promise((resolve) => {
    if (!show) return resolve(false);
    show({ title, messages, notes, action, resolve });
  });
}

function kind(m: ApiMessage): string {
  if (m.code === 1110) return 'error';
  if (m.code === 1100 || m.code === 1111) return 'warning';
  return 'info';
}

export function ConfirmHost() {
  const [ask, setAsk] = useState<Ask | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    show = (a) => setAsk(a);
    return () => {
      show = null;
    };
  }, []);
  useEffect(() => {
    const d = ref.current;
    if (ask && d && !d.open) d.showModal();
  }, [ask]);
  const done = (ok: boolean) => {
    ref.current?.close();
    ask?.resolve(ok);
    setAsk(null);
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={(e) => (e.preventDefault(), done(false))}>
      {ask && (
        <div>
          <h2 id="confirm-title">{ask.title}</h2>
          {ask.notes.map((n) => (
            <p class="note warning">{n}</p>
          ))}
          {ask.messages.length === 0 ? (
            <p>The server reports no side effects for this change.</p>
          ) : (
            <ul class="effects" aria-label="What this change would cause">
              {ask.messages.map((m) => (
                <li class={'effect ' + kind(m)} data-code={m.code}>
                  <span class="tag">{kind(m)}</span> {m.message}
                </li>
              ))}
            </ul>
          )}
          <div class="actions">
            <button type="button" class="primary" onClick={() => done(true)}>
              {ask.action}
            </button>
            <button type="button" onClick={() => done(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

// Runs the write as a dry run, asks, then runs it for real. null when cancelled; a refused
// dry run throws its ApiError (nothing is saved).
export async function saveWithPreview<T>(
  title: string,
  method: string,
  path: string,
  o: CallOptions = {},
  notes: string[] = [],
): Promise<Envelope<T> | null> {
  const dry = await call<T>(method, path, { ...o, query: { ...o.query, dry_run: true } });
  if (!(await askConfirm(title, effects(dry.messages), notes))) return null;
  return call<T>(method, path, o);
}
