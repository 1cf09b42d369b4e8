/** A reader of JSON-lines (NDJSON) bodies, such as the audit export. */

/**
 * Yields each line of `body` parsed as JSON, as the bytes arrive, so a long export is not
 * held in memory whole. Blank lines are skipped; a last line without a newline still counts.
 * Stopping early (a `break` in `for await`) cancels the body, which closes the connection.
 */
export async function* readJsonLines<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T, void, undefined> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      buffer += done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      const lines = buffer.split('\n');
      // The last piece is an unfinished line until the body ends.
      buffer = done ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        const text = line.trim();
        if (text !== '') yield JSON.parse(text) as T;
      }
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
