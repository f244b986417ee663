/** One Server-Sent Event: its `id` (when the block had one), `event` type and `data`. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
  retry?: number;
}

/**
 * Parses a `text/event-stream` body as it arrives (the WHATWG rules: `\n`, `\r\n` or `\r`
 * line ends, `:` comments, multi-line `data`, one space after the colon dropped). Ends
 * when the body ends; a connection that breaks rejects the iteration with fetch's error.
 * Leaving the loop early cancels the body.
 */
export async function* parseSse(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let block: { id?: string; event?: string; data: string[]; retry?: number } = { data: [] };

  function* lines(final: boolean): Generator<string> {
    for (;;) {
      const end = buffer.search(/[\r\n]/);
      if (end < 0) return;
      // A `\r` at the end of a chunk may be the first half of `\r\n`: wait for the next one.
      if (buffer[end] === '\r' && end === buffer.length - 1 && !final) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1);
      yield line;
    }
  }

  function take(line: string): SseMessage | undefined {
    if (line === '') {
      const done = block;
      block = { data: [] };
      if (!done.data.length) return undefined;
      return {
        ...(done.id !== undefined ? { id: done.id } : {}),
        event: done.event || 'message',
        data: done.data.join('\n'),
        ...(done.retry !== undefined ? { retry: done.retry } : {}),
      };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') block.data.push(value);
    else if (field === 'event') block.event = value;
    else if (field === 'id' && !value.includes('\0')) block.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) block.retry = Number(value);
    return undefined;
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines(done)) {
        const message = take(line);
        if (message) yield message;
      }
      // An event is only complete at its blank line; a body cut before it is dropped.
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
