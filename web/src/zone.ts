import { useEffect, useState } from 'preact/hooks';
import { call, type Zone } from './api';
import { errorText } from './ui';

// The zone a page is about (its name for headings, file_backed for read-only pages).
export function useZone(id: string): { zone: Zone | null; error: string } {
  const [zone, setZone] = useState<Zone | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    call<Zone>('GET', `/zones/${id}`)
      .then((r) => setZone(r.result))
      .catch((e) => setError(errorText(e)));
  }, [id]);
  return { zone, error };
}
