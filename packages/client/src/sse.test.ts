import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, readEventStream, type SseMessage } from './sse.js';

function parse(chunks: readonly string[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = new SseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  return messages;
}

test('fields, comments and the blank line that dispatches', () => {
  const stream = 'retry: 5000\n: connected\n\nid: 1\nevent: operation.updated\ndata: {"a":1}\n\n: keepalive\n\nid: 2\ndata: x\n\n';
  assert.deepEqual(parse([stream]), [
    { event: 'operation.updated', data: '{"a":1}', id: '1' },
    { event: 'message', data: 'x', id: '2' },
  ]);
});

test('events split anywhere across chunks, with any line ending', () => {
  const stream = 'id: 7\r\nevent: resource.updated\r\ndata: line one\r\ndata:line two\r\n\r\nevent: e\rdata: cr\r\r';
  const whole = parse([stream]);
  assert.deepEqual(whole, [
    { event: 'resource.updated', data: 'line one\nline two', id: '7' },
    { event: 'e', data: 'cr', id: '7' },
  ]);
  for (let cut = 1; cut < stream.length; cut += 1) {
    assert.deepEqual(parse([stream.slice(0, cut), stream.slice(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...stream]), whole, 'one character at a time');
});

test('an event without data is not dispatched, and an unfinished one waits', () => {
  assert.deepEqual(parse(['event: nothing\n\n', 'data: half']), []);
});

test('readEventStream decodes bytes split inside a multi-byte character', async () => {
  const bytes = new TextEncoder().encode('data: "Zürich ☁"\n\n');
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
      controller.close();
    },
  });
  const messages: SseMessage[] = [];
  await readEventStream(body, (m) => messages.push(m));
  assert.deepEqual(messages.map((m) => JSON.parse(m.data)), ['Zürich ☁']);
});
