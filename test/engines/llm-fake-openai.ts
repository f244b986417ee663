import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible server started in-process: the protocol peer the adapters talk
 * to (the one test double these suites use). It records every request, parsed (JSON
 * or multipart), and answers with whatever the test's handler returns.
 */
export interface FilePart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json?: unknown;
  fields?: Record<string, string[]>;
  files?: FilePart[];
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (to trigger client timeouts). */
  delayMs?: number;
}

export type Handler = (req: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAi {
  url: string;
  requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeOpenAi(
  handler: Handler = () => ({ status: 404, body: { error: { message: 'no handler' } } }),
): Promise<FakeOpenAi> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
    };
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/json')) recorded.json = JSON.parse(body.toString('utf8'));
    const boundary = /multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
    if (boundary) Object.assign(recorded, parseMultipart(body, boundary[1] ?? boundary[2]!));
    const index = requests.push(recorded) - 1;
    const reply = await current(recorded, index);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => void (current = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string[]>; files: FilePart[] } {
  const fields: Record<string, string[]> = {};
  const files: FilePart[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headerText = part.subarray(0, headerEnd).toString('utf8');
    const data = part.subarray(headerEnd + 4);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headerText)?.[0] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    const contentType = /content-type:\s*([^\r\n]+)/i.exec(headerText)?.[1]?.trim();
    if (filename !== undefined) files.push({ name, filename, contentType, data: Buffer.from(data) });
    else (fields[name] ??= []).push(data.toString('utf8'));
    pos = next;
  }
  return { fields, files };
}

/** A chat completion body as OpenAI returns it. */
export function chatReply(
  content: string,
  usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    model: 'fake-model-1',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage,
  };
}

export interface ScriptedCompletion {
  model?: string;
  choices: Array<{
    message: {
      content: string | null;
      tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
    };
    finish_reason?: string;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/**
 * A scripted chat completion answered the way an OpenAI-compatible server does: as one
 * JSON body, or, when the request asked for `stream: true`, as Server-Sent Events of
 * chunks (text word by word, tool-call arguments in two pieces, usage in the last
 * chunk when `stream_options.include_usage` was asked), then `data: [DONE]`.
 */
export function completionReply(
  request: { stream?: boolean; stream_options?: { include_usage?: boolean } },
  completion: ScriptedCompletion,
): FakeReply {
  if (!request.stream) return { body: completion };
  let out = '';
  const send = (chunk: object) =>
    (out += `data: ${JSON.stringify({ model: completion.model ?? 'x', ...chunk })}\n\n`);
  const message = completion.choices[0]!.message;
  for (const word of (message.content ?? '').match(/\S+\s*/g) ?? []) {
    send({ choices: [{ index: 0, delta: { content: word } }] });
  }
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const half = Math.floor(call.function.arguments.length / 2);
    send({
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: call.id,
                type: 'function',
                function: { name: call.function.name, arguments: call.function.arguments.slice(0, half) },
              },
            ],
          },
        },
      ],
    });
    send({
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index, function: { arguments: call.function.arguments.slice(half) } }] },
        },
      ],
    });
  }
  send({ choices: [{ index: 0, delta: {}, finish_reason: completion.choices[0]!.finish_reason ?? 'stop' }] });
  if (request.stream_options?.include_usage && completion.usage)
    send({ choices: [], usage: completion.usage });
  return { body: `${out}data: [DONE]\n\n`, headers: { 'content-type': 'text/event-stream' } };
}
