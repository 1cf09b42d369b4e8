/**
 * Keeps the query cache in step with the broker: one event stream per signed-in page,
 * every event applied to the cache, and a reconnect (with backoff) when the stream drops.
 * After a reconnect everything on screen is re-read, since events were missed meanwhile.
 */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { errorCode } from './errors.js';
import { applyEvent } from './apply-event.js';
import { DebouncedInvalidator } from './debounced-invalidator.js';
import { useClient } from '../session/session-provider.js';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const MAX_BACKOFF_MS = 15_000;

export function useLiveEvents(): LiveStatus {
  const client = useClient();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    const abort = new AbortController();
    const later = new DebouncedInvalidator(queryClient);
    let opened = 0;
    const follow = async () => {
      let failures = 0;
      while (!abort.signal.aborted) {
        try {
          await client.events(
            {
              onOpen: () => {
                failures = 0;
                setStatus('live');
                // Whatever changed while the stream was down is only in the broker now.
                if (opened++ > 0) void queryClient.invalidateQueries();
              },
            },
            (event) => applyEvent(queryClient, later, event),
            abort.signal,
          );
        } catch (error) {
          // The session ended: the session provider sees it on the next query and signs out.
          if (errorCode(error) === 'Unauthenticated') void queryClient.invalidateQueries();
        }
        if (abort.signal.aborted) return;
        setStatus('reconnecting');
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures)));
      }
    };
    void follow();
    return () => {
      abort.abort();
      later.dispose();
    };
  }, [client, queryClient]);

  return status;
}
