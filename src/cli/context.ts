import type { Command } from 'commander';
import { IrisClient } from '../sdk/index.js';
import { resolveCredentials, type Credentials } from './credentials.js';
import { CliError, EXIT } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface GlobalOptions {
  json?: boolean;
  url?: string;
}

/** What every client command gets: the IO, the global options, and an SDK client. */
export class CliContext {
  exitCode: number = EXIT.OK;

  constructor(
    readonly io: CliIO,
    private readonly program: Command,
  ) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return Boolean(this.options.json);
  }

  credentials(): Promise<Credentials> {
    return resolveCredentials(this.io.env, this.options.url);
  }

  /** A client for the stored login (or the environment); exit 3 when there is none. */
  async client(): Promise<IrisClient> {
    const creds = await this.credentials();
    if (!creds.key) {
      throw new CliError('not logged in: run `iris login`, or set IRIS_API_KEY (and IRIS_URL)', EXIT.AUTH);
    }
    return this.clientFor(creds.url, creds.key);
  }

  clientFor(url: string, key: string): IrisClient {
    try {
      return new IrisClient({ baseUrl: url, token: key, userAgent: 'iris-cli' });
    } catch {
      throw new CliError(`not a valid server URL: ${url}`, EXIT.USAGE);
    }
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** JSON on `--json`, else the human rendering. */
  print(data: unknown, human: () => string): void {
    if (this.json) this.out(JSON.stringify(data ?? null, null, 2));
    else this.out(human());
  }
}
