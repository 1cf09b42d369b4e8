import { useEffect, useRef } from 'react';

/** Calls `callback` with the last value once typing has paused for `delayMs`. */
export function useDebouncedCallback<T>(callback: (value: T) => void, delayMs = 300): (value: T) => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => () => clearTimeout(timer.current), []);
  return (value: T) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(value), delayMs);
  };
}
