/**
 * One idempotency key per distinct request: pressing Launch twice (or retrying after a
 * network error) starts one instance, while a corrected request gets a new key (the API
 * refuses a key reused with another body). getRandomValues, unlike randomUUID, also works
 * when the broker is reached over plain HTTP on a LAN address.
 */
export function createIdempotencyKeys(): (request: unknown) => string {
  let last: { readonly body: string; readonly key: string } | undefined;
  return (request) => {
    const body = JSON.stringify(request);
    if (last?.body !== body) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      last = { body, key: `portal-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}` };
    }
    return last.key;
  };
}
