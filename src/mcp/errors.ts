import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

/**
 * What a tool caller reads when a service refuses: the message and the code, naming the
 * recording it asked for, e.g. "Recording rec_… not found (NOT_FOUND)".
 */
export function describeAppError(err: AppError, id?: string): string {
  const message = err.message.replace(/\.$/, '');
  const named =
    id && /^\w+ not found$/.test(message) ? message.replace(' not found', ` ${id} not found`) : message;
  return `${named} (${err.code})`;
}

export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/**
 * Runs a tool body and turns refusals into tool results with `isError`, so the model
 * sees why and can correct itself; anything unexpected is logged and stays opaque,
 * as the HTTP API's 5xx answers do.
 */
export async function guarded(
  logger: Logger,
  tool: string,
  id: string | undefined,
  body: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof AppError) {
      if (err.status >= 500) logger.error({ err, tool }, 'MCP tool failed');
      return toolError(describeAppError(err, id));
    }
    logger.error({ err, tool }, 'MCP tool failed');
    return toolError(`${tool} failed on the server (INTERNAL_ERROR); try again later.`);
  }
}
