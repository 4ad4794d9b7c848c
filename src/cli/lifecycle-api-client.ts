import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { sigV4Signer, type AwsCredentialsProvider, type RequestSigner } from '../adapters/aws/sigv4.js';
import type { CliOutput } from './config.js';

/**
 * The CLI's client of a deployment's lifecycle API (`pflow … --aws`): every `/api/*` route there is
 * behind API Gateway's IAM authorizer, so each request is signed with SigV4 (service
 * `execute-api`) using the caller's own AWS credentials from the SDK's default chain (environment,
 * AWS_PROFILE, SSO). Any `--aws` command that talks to that API goes through this one place.
 */

export const LIFECYCLE_API_URL_ENV = 'PFLOW_LIFECYCLE_API_URL';
export const EXECUTE_API_SIGNING_SERVICE = 'execute-api';

const API_HOST = /\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const OUTPUT_HINT =
  'aws cloudformation describe-stacks --stack-name PerformanceFlow --query "Stacks[0].Outputs[?OutputKey==\'LifecycleApiUrl\'].OutputValue" --output text';

/** Where the calls go: the API's base URL (the `LifecycleApiUrl` output) and the region it signs for. */
export interface LifecycleApiTarget {
  readonly baseUrl: URL;
  readonly region: string;
}

/** The flags every `--aws` command of the lifecycle API takes. */
export interface LifecycleApiFlags {
  readonly aws?: boolean;
  readonly apiUrl?: string | undefined;
  readonly outputsFile?: string | undefined;
  readonly region?: string | undefined;
}

/** Adds `--aws`, `--api-url`, `--outputs-file` and `--region` to a command. */
export function withLifecycleApiOptions(command: Command): Command {
  return command
    .option('--aws', "through the deployed stack's lifecycle API, signed with your AWS credentials", false)
    .option('--api-url <url>', "with --aws: the stack's LifecycleApiUrl output (default $PFLOW_LIFECYCLE_API_URL)")
    .option('--outputs-file <file>', 'with --aws: read LifecycleApiUrl from `cdk deploy --outputs-file <file>`')
    .option('--region <region>', "with --aws: the API's region (default: from its URL, else $AWS_REGION)");
}

/** The client for a command's flags, or undefined after printing which flag is missing or wrong (exit 2). */
export function lifecycleApiClientOrReport(
  flags: LifecycleApiFlags,
  out: CliOutput,
  exitWith: (code: number) => void,
): LifecycleApiClient | undefined {
  const target = lifecycleApiTarget(flags);
  if ('problem' in target) {
    out.stderr(`${target.problem}\n`);
    exitWith(2);
    return undefined;
  }
  return new LifecycleApiClient(target);
}

/**
 * The target from `--api-url`, else `--outputs-file` (the JSON `cdk deploy --outputs-file` writes),
 * else PFLOW_LIFECYCLE_API_URL; the region from `--region`, else the API's own host name, else
 * AWS_REGION (a custom domain). Returns the problem, naming the flag, when either cannot be had.
 */
export function lifecycleApiTarget(
  flags: LifecycleApiFlags,
  env: NodeJS.ProcessEnv = process.env,
): LifecycleApiTarget | { readonly problem: string } {
  let text = flags.apiUrl;
  if (text === undefined && flags.outputsFile !== undefined) {
    const fromFile = apiUrlFromOutputs(flags.outputsFile);
    if (typeof fromFile !== 'string') return fromFile;
    text = fromFile;
  }
  text ??= env[LIFECYCLE_API_URL_ENV];
  if (text === undefined || text.trim() === '') {
    return {
      problem: `--api-url: --aws needs the lifecycle API's URL, the stack's LifecycleApiUrl output (or --outputs-file, or set ${LIFECYCLE_API_URL_ENV}); it is printed by: ${OUTPUT_HINT}`,
    };
  }
  let baseUrl: URL;
  try {
    baseUrl = new URL(text.trim());
  } catch {
    return { problem: `--api-url: not a URL: ${JSON.stringify(text)}` };
  }
  // API Gateway answers HTTPS only; plain HTTP is for this machine (a tunnel, the tests).
  if (baseUrl.protocol !== 'https:' && !(baseUrl.protocol === 'http:' && LOOPBACK.has(baseUrl.hostname))) {
    return { problem: `--api-url: must be https: ${baseUrl.origin}` };
  }
  if (baseUrl.search !== '' || baseUrl.hash !== '') {
    return { problem: `--api-url: the API's base URL has no query or fragment: ${JSON.stringify(text)}` };
  }
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
  const region = flags.region ?? API_HOST.exec(baseUrl.hostname)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    return {
      problem: `--region: ${baseUrl.hostname} does not name its region (a custom domain?): give --region or set AWS_REGION`,
    };
  }
  if (!REGION.test(region)) return { problem: `--region: not an AWS region: ${JSON.stringify(region)}` };
  return { baseUrl, region };
}

/** LifecycleApiUrl from the outputs file CDK writes: `{ "<stack>": { "<output>": "<value>", … }, … }`. */
function apiUrlFromOutputs(file: string): string | { readonly problem: string } {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { problem: `--outputs-file: cannot read ${file}: ${(error as Error).message}` };
  }
  const stacks = Object.entries(
    document !== null && typeof document === 'object' ? (document as Record<string, unknown>) : {},
  ).filter(
    (entry): entry is [string, { LifecycleApiUrl: string }] =>
      typeof (entry[1] as { LifecycleApiUrl?: unknown } | null)?.LifecycleApiUrl === 'string',
  );
  if (stacks.length === 1) return stacks[0]![1].LifecycleApiUrl;
  return stacks.length === 0
    ? {
        problem: `--outputs-file: ${file} has no stack with a LifecycleApiUrl output (npx cdk deploy --outputs-file ${file} writes one)`,
      }
    : {
        problem: `--outputs-file: ${file} has LifecycleApiUrl for stacks ${stacks.map(([name]) => name).join(', ')}: give --api-url`,
      };
}

export interface LifecycleApiReply {
  readonly status: number;
  /** The JSON answer; `{}` when the body was not JSON. */
  readonly body: Record<string, unknown>;
}

/** The request did not get an HTTP answer: unreachable, or no AWS credentials to sign with. */
export class LifecycleApiUnavailable extends Error {}

export interface LifecycleApiClientOptions {
  readonly credentials?: AwsCredentialsProvider;
  readonly fetch?: typeof fetch;
  readonly signingDate?: () => Date;
}

export class LifecycleApiClient {
  private readonly sign: RequestSigner;
  private readonly fetch: typeof fetch;

  constructor(
    readonly target: LifecycleApiTarget,
    options: LifecycleApiClientOptions = {},
  ) {
    this.sign = sigV4Signer({
      service: EXECUTE_API_SIGNING_SERVICE,
      region: target.region,
      ...(options.credentials !== undefined && { credentials: options.credentials }),
      ...(options.signingDate !== undefined && { signingDate: options.signingDate }),
    });
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * One signed call. `path` is relative to the API's base URL (`api/alerts/ack`); `json` becomes
   * the body of a POST. Throws LifecycleApiUnavailable when there was no HTTP answer.
   */
  async call(
    method: 'GET' | 'POST',
    path: string,
    options: { readonly json?: unknown; readonly query?: Record<string, string> } = {},
  ): Promise<LifecycleApiReply> {
    const url = new URL(path.replace(/^\/+/, ''), this.target.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const body = options.json === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(options.json));
    let headers: Record<string, string>;
    try {
      headers = await this.sign({
        method,
        url,
        headers: { accept: 'application/json', ...(body.length > 0 && { 'content-type': 'application/json' }) },
        body,
      });
    } catch (error) {
      throw new LifecycleApiUnavailable(
        `no AWS credentials to sign the request with (${(error as Error).message}); set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
      );
    }
    let response: Response;
    try {
      response = await this.fetch(url, { method, headers, ...(body.length > 0 && { body }) });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new LifecycleApiUnavailable(`cannot reach the lifecycle API at ${this.target.baseUrl.origin}: ${cause}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const json =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    return { status: response.status, body: json };
  }
}

/**
 * What to tell a person about a refused call, one line each: the API's own problems (the
 * function's `problems`/`error`, API Gateway's `message`), with what to check for the answers
 * that come from in front of the function (IAM, throttling, no such route).
 */
export function refusalLines(reply: LifecycleApiReply, target: LifecycleApiTarget): string[] {
  const { status, body } = reply;
  const own = Array.isArray(body.problems)
    ? body.problems.map(String)
    : typeof body.error === 'string'
      ? [body.error]
      : typeof body.message === 'string'
        ? [body.message]
        : [];
  switch (status) {
    case 403:
      return [
        `the lifecycle API refused your AWS credentials (403${own.length > 0 ? `: ${own.join('; ')}` : ''})`,
        `the caller needs execute-api:Invoke on ${target.baseUrl.hostname}/*/*/api/*, with requests signed for region ${target.region}`,
      ];
    case 404:
      // API Gateway's own 404 has only `message`: the URL is not a lifecycle API's.
      return typeof body.error === 'string'
        ? [body.error]
        : [`no such route at ${target.baseUrl.href}: is --api-url the stack's LifecycleApiUrl output?`];
    case 429:
      return ['the lifecycle API is throttling requests (429): try again in a few seconds'];
    default:
      return own.length > 0
        ? status >= 500
          ? own.map((line) => `the lifecycle API failed (${status}): ${line}`)
          : own
        : [`the lifecycle API answered ${status}`];
  }
}
