import { useState } from 'react';
import { DEFAULT_COLUMNS, INSTANCE_COLUMNS } from './instance-columns.js';

const KEY = 'skyport.instanceColumns';

/** The columns the user chose, remembered in this browser. */
export function useColumnChoice(): [ReadonlySet<string>, (key: string, shown: boolean) => void] {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => {
    try {
      const saved = JSON.parse(window.localStorage.getItem(KEY) ?? 'null') as unknown;
      if (Array.isArray(saved)) return new Set(saved.filter((k): k is string => INSTANCE_COLUMNS.some((c) => c.key === k)));
    } catch {
      // A damaged entry: fall back to the defaults.
    }
    return new Set(DEFAULT_COLUMNS);
  });
  const toggle = (key: string, shown: boolean) => {
    const next = new Set(chosen);
    if (shown) next.add(key);
    else next.delete(key);
    window.localStorage.setItem(KEY, JSON.stringify([...next]));
    setChosen(next);
  };
  return [chosen, toggle];
}
