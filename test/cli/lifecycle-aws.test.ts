import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleApiClient, lifecycleApiTarget, type LifecycleApiTarget } from '../../src/cli/lifecycle-api-client.js';
import {
  runAwsAlertsAck,
  runAwsSilenceAdd,
  runAwsSilenceExpire,
  runAwsSilenceList,
} from '../../src/cli/lifecycle-aws.js';
import { buildProgram } from '../../src/cli/main.js';
import { closedPort } from '../support/closed-port.js';
import { startSigV4Loopback, type SigV4Loopback } from '../support/sigv4-loopback.js';

/**
 * `pflow alerts ack|unack --aws` and `pflow silence … --aws` against a loopback server that checks
 * every SigV4 signature (service execute-api) as API Gateway's IAM authorizer does and records the
 * exact request. The credentials are made up: nothing leaves the machine.
 */

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN',
};
const DATE = new Date('2026-12-02T08:00:00Z');
let api: SigV4Loopback;
let target: LifecycleApiTarget;

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (text: string) => (lines.stdout += text), stderr: (text: string) => (lines.stderr += text) },
  };
}

function client(secret = credentials.secretAccessKey): LifecycleApiClient {
  return new LifecycleApiClient(target, {
    credentials: async () => ({ ...credentials, secretAccessKey: secret }),
    signingDate: () => DATE,
  });
}

beforeAll(async () => {
  api = await startSigV4Loopback({ credentials, region: 'eu-west-1', service: 'execute-api' });
  const resolved = lifecycleApiTarget({ apiUrl: api.url, region: 'eu-west-1' }, {});
  if ('problem' in resolved) throw new Error(resolved.problem);
  target = resolved;
});
afterEach(() => {
  api.requests.length = 0;
});
afterAll(() => api.close());

describe('pflow alerts ack|unack --aws', () => {
  it('sends the exact ack, signed for execute-api in the API region with the session token', async () => {
    api.answer = () => ({
      status: 200,
      body: {
        outcome: 'acknowledged',
        alert: 'portal-down/f00d',
        auditId: 7,
        acknowledgedBy: 'ana',
        reason: 'restarting the portal',
        at: '2026-12-02T08:00:01.000Z',
        expiresAt: '2026-12-02T12:00:01.000Z',
      },
    });
    const { lines, out } = output();
    expect(
      await runAwsAlertsAck(
        client(),
        { alert: 'portal-down', by: 'ana', reason: 'restarting the portal', expires: '4h', undo: false },
        out,
      ),
    ).toBe(0);
    expect(lines).toEqual({
      stdout: 'acknowledged portal-down/f00d by ana until 2026-12-02T12:00:01.000Z\n',
      stderr: '',
    });
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/alerts/ack',
      credential: { accessKeyId: 'AKIDEXAMPLE', date: '20261202', region: 'eu-west-1', service: 'execute-api' },
    });
    expect(JSON.parse(request!.body)).toEqual({
      alert: 'portal-down',
      by: 'ana',
      reason: 'restarting the portal',
      expires: '4h',
    });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-amz-date']).toBe('20261202T080000Z');
    expect(request!.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(request!.signedHeaders).toEqual(
      expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']),
    );
  });

  it('unacks, and says when the alert was not acknowledged', async () => {
    api.answer = () => ({ status: 200, body: { outcome: 'unacknowledged', alertKey: 'portal-down/f00d' } });
    const { lines, out } = output();
    expect(
      await runAwsAlertsAck(
        client(),
        { alert: 'portal-down/f00d', by: 'ana', reason: 'handing over', undo: true },
        out,
      ),
    ).toBe(0);
    api.answer = () => ({ status: 200, body: { outcome: 'was_not_acknowledged', alertKey: 'portal-down/f00d' } });
    expect(
      await runAwsAlertsAck(client(), { alert: 'portal-down/f00d', by: 'ana', reason: 'again', undo: true }, out),
    ).toBe(0);
    expect(api.requests.map((r) => [r.method, r.url, JSON.parse(r.body)])).toEqual([
      ['POST', '/api/alerts/unack', { alert: 'portal-down/f00d', by: 'ana', reason: 'handing over' }],
      ['POST', '/api/alerts/unack', { alert: 'portal-down/f00d', by: 'ana', reason: 'again' }],
    ]);
    expect(lines.stdout).toBe(
      'unacknowledged portal-down/f00d: reminders and escalation resume\nportal-down/f00d was not acknowledged\n',
    );
  });

  it('prints the refusals clearly: an unknown alert, bad input, a throttle and a failure', async () => {
    const cases: [number, unknown, string][] = [
      [
        404,
        { error: 'no active alert nope: name an alert key rule/fingerprint, or a rule id with one active alert' },
        'no active alert nope',
      ],
      [
        400,
        { error: 'invalid request', problems: ['by: who acknowledges is required', 'reason: why is required'] },
        'by: who acknowledges is required\nreason: why is required\n',
      ],
      [409, { error: 'rule portal-down has 2 active alerts; name one: a, b' }, 'rule portal-down has 2 active alerts'],
      [429, { message: 'Too Many Requests' }, 'the lifecycle API is throttling requests (429)'],
      [500, { message: 'Internal Server Error' }, 'the lifecycle API failed (500): Internal Server Error'],
    ];
    for (const [status, body, expected] of cases) {
      api.answer = () => ({ status, body });
      const { lines, out } = output();
      expect(await runAwsAlertsAck(client(), { alert: 'nope', by: ' ', reason: ' ', undo: false }, out)).toBe(1);
      expect({ status, stderr: lines.stderr, stdout: lines.stdout }).toEqual({
        status,
        stderr: expect.stringContaining(expected),
        stdout: '',
      });
    }
  });

  it('a signature the API does not accept (wrong secret) is a 403 that says what the caller needs', async () => {
    api.answer = () => ({ status: 200, body: { outcome: 'acknowledged' } });
    const { lines, out } = output();
    expect(
      await runAwsAlertsAck(client('not-the-secret'), { alert: 'a', by: 'ana', reason: 'x', undo: false }, out),
    ).toBe(1);
    expect(api.requests).toEqual([]);
    expect(lines.stderr).toBe(
      'the lifecycle API refused your AWS credentials (403: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.)\n' +
        `the caller needs execute-api:Invoke on 127.0.0.1/*/*/api/*, with requests signed for region eu-west-1\n`,
    );
  });

  it('an API that is not there, and no credentials at all, say so', async () => {
    const port = await closedPort();
    const gone = lifecycleApiTarget({ apiUrl: `http://127.0.0.1:${port}/`, region: 'eu-west-1' }, {});
    if ('problem' in gone) throw new Error(gone.problem);
    const { lines, out } = output();
    const ack = { alert: 'a', by: 'ana', reason: 'x', undo: false };
    expect(
      await runAwsAlertsAck(new LifecycleApiClient(gone, { credentials: async () => credentials }), ack, out),
    ).toBe(1);
    expect(lines.stderr).toMatch(
      new RegExp(`^cannot reach the lifecycle API at http://127.0.0.1:${port}: .*ECONNREFUSED`),
    );
    const none = new LifecycleApiClient(target, {
      credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
    });
    lines.stderr = '';
    expect(await runAwsAlertsAck(none, ack, out)).toBe(1);
    expect(lines.stderr).toMatch(/^no AWS credentials to sign the request with \(Could not load credentials/);
    expect(api.requests).toEqual([]);
  });
});

describe('pflow silence add|list|expire --aws', () => {
  const presented = {
    id: 'sil-0a1b2c3d4e5f',
    status: 'active',
    matchers: ['probe="portal"'],
    startsAt: '2026-12-02T08:00:00.000Z',
    endsAt: '2026-12-02T10:00:00.000Z',
    author: 'ana',
    comment: 'portal upgrade',
    createdAt: '2026-12-02T08:00:00.000Z',
  };
  const line =
    'sil-0a1b2c3d4e5f  active  2026-12-02T08:00:00.000Z → 2026-12-02T10:00:00.000Z  probe="portal"  by ana: portal upgrade\n';

  it('adds: the exact body, the id on stdout and the silence on stderr', async () => {
    api.answer = () => ({ status: 201, body: { silence: presented } });
    const { lines, out } = output();
    expect(
      await runAwsSilenceAdd(
        client(),
        {
          match: ['probe="portal"'],
          author: 'ana',
          comment: 'portal upgrade',
          for: '2h',
          start: '2026-12-02T08:00:00Z',
        },
        out,
      ),
    ).toBe(0);
    expect(lines).toEqual({ stdout: 'sil-0a1b2c3d4e5f\n', stderr: line });
    expect(api.requests.map((r) => [r.method, r.url, JSON.parse(r.body)])).toEqual([
      [
        'POST',
        '/api/silences',
        {
          matchers: ['probe="portal"'],
          author: 'ana',
          comment: 'portal upgrade',
          duration: '2h',
          starts_at: '2026-12-02T08:00:00Z',
        },
      ],
    ]);
  });

  it('a refused silence names each field and says nothing was silenced', async () => {
    api.answer = () => ({
      status: 400,
      body: { error: 'invalid silence', problems: ['matchers[0]: bad', 'duration: at most 31 days'] },
    });
    const { lines, out } = output();
    expect(await runAwsSilenceAdd(client(), { match: ['x'], author: 'a', comment: 'c', for: '90d' }, out)).toBe(1);
    expect(lines.stderr).toBe('matchers[0]: bad\nduration: at most 31 days\nnothing was silenced\n');
  });

  it('lists (signed GET with ?all=1), as lines or JSON', async () => {
    api.answer = () => ({ status: 200, body: { silences: [presented] } });
    const { lines, out } = output();
    expect(await runAwsSilenceList(client(), { all: true, json: false }, out)).toBe(0);
    expect(lines.stdout).toBe(line);
    lines.stdout = '';
    expect(await runAwsSilenceList(client(), { all: false, json: true }, out)).toBe(0);
    expect(JSON.parse(lines.stdout)).toEqual([presented]);
    api.answer = () => ({ status: 200, body: { silences: [] } });
    lines.stdout = '';
    expect(await runAwsSilenceList(client(), { all: false, json: false }, out)).toBe(0);
    expect(lines.stdout).toBe('no active or pending run-time silences\n');
    expect(api.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['GET', '/api/silences?all=1', ''],
      ['GET', '/api/silences', ''],
      ['GET', '/api/silences', ''],
    ]);
  });

  it('expires, and says when there is no such silence or it had ended', async () => {
    const { lines, out } = output();
    expect(await runAwsSilenceExpire(client(), { id: 'sil-0a1b2c3d4e5f' }, out)).toBe(1);
    expect(lines.stderr).toBe('--by: who expires it is required\n');
    api.answer = () => ({ status: 200, body: { expired: 'sil-0a1b2c3d4e5f' } });
    expect(await runAwsSilenceExpire(client(), { id: 'sil-0a1b2c3d4e5f', by: 'bo' }, out)).toBe(0);
    expect(lines.stdout).toBe('expired sil-0a1b2c3d4e5f\n');
    api.answer = () => ({ status: 404, body: { error: 'no such silence: sil-nope' } });
    expect(await runAwsSilenceExpire(client(), { id: 'sil-nope', by: 'bo' }, out)).toBe(1);
    api.answer = () => ({ status: 409, body: { error: 'silence sil-0a1b2c3d4e5f has already ended' } });
    expect(await runAwsSilenceExpire(client(), { id: 'sil-0a1b2c3d4e5f', by: 'bo' }, out)).toBe(1);
    expect(lines.stderr).toBe(
      '--by: who expires it is required\nno such silence: sil-nope\nsilence sil-0a1b2c3d4e5f has already ended\n',
    );
    expect(api.requests.map((r) => [r.url, JSON.parse(r.body)])).toEqual([
      ['/api/silences/sil-0a1b2c3d4e5f/expire', { by: 'bo' }],
      ['/api/silences/sil-nope/expire', { by: 'bo' }],
      ['/api/silences/sil-0a1b2c3d4e5f/expire', { by: 'bo' }],
    ]);
  });
});

describe('the lifecycle API target', () => {
  it('takes the URL from the flag or PFLOW_LIFECYCLE_API_URL, the region from the API host', () => {
    const url = 'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/';
    expect(lifecycleApiTarget({}, { PFLOW_LIFECYCLE_API_URL: url, AWS_REGION: 'us-east-1' })).toEqual({
      baseUrl: new URL(url),
      region: 'eu-central-1',
    });
    expect(lifecycleApiTarget({ apiUrl: 'https://ack.hospital.example/pflow' }, { AWS_REGION: 'eu-west-1' })).toEqual({
      baseUrl: new URL('https://ack.hospital.example/pflow/'),
      region: 'eu-west-1',
    });
  });

  it('reads LifecycleApiUrl from the file `cdk deploy --outputs-file` writes; the flag wins over it, it over the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pflow-outputs-'));
    try {
      const file = join(dir, 'cdk-outputs.json');
      const url = 'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/';
      const env = { PFLOW_LIFECYCLE_API_URL: 'https://other.execute-api.us-east-1.amazonaws.com/' };
      writeFileSync(file, JSON.stringify({ PerformanceFlow: { AlertTopicArn: 'arn:…', LifecycleApiUrl: url } }));
      expect(lifecycleApiTarget({ outputsFile: file }, env)).toEqual({ baseUrl: new URL(url), region: 'eu-central-1' });
      expect(lifecycleApiTarget({ outputsFile: file, apiUrl: env.PFLOW_LIFECYCLE_API_URL }, {})).toMatchObject({
        region: 'us-east-1',
      });

      const problem = (contents: string) => {
        writeFileSync(file, contents);
        const target = lifecycleApiTarget({ outputsFile: file }, env);
        return 'problem' in target ? target.problem : undefined;
      };
      expect(problem('{"PerformanceFlow": {"AlertTopicArn": "arn:…"}}')).toBe(
        `--outputs-file: ${file} has no stack with a LifecycleApiUrl output (npx cdk deploy --outputs-file ${file} writes one)`,
      );
      expect(problem(JSON.stringify({ SiteA: { LifecycleApiUrl: url }, SiteB: { LifecycleApiUrl: url } }))).toBe(
        `--outputs-file: ${file} has LifecycleApiUrl for stacks SiteA, SiteB: give --api-url`,
      );
      expect(problem('not json')).toMatch(new RegExp(`^--outputs-file: cannot read ${file}: `));
      expect(lifecycleApiTarget({ outputsFile: join(dir, 'missing.json') }, env)).toEqual({
        problem: expect.stringMatching(/^--outputs-file: cannot read .*missing\.json: ENOENT/),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the flag that is missing or wrong', () => {
    const problem = (flags: { apiUrl?: string; region?: string }, env: NodeJS.ProcessEnv = {}) => {
      const target = lifecycleApiTarget(flags, env);
      return 'problem' in target ? target.problem : undefined;
    };
    expect(problem({})).toMatch(/^--api-url: --aws needs the lifecycle API's URL, the stack's LifecycleApiUrl output/);
    expect(problem({ apiUrl: 'not a url' })).toBe('--api-url: not a URL: "not a url"');
    expect(problem({ apiUrl: 'http://a1.execute-api.eu-west-1.amazonaws.com/' })).toBe(
      '--api-url: must be https: http://a1.execute-api.eu-west-1.amazonaws.com',
    );
    expect(problem({ apiUrl: 'https://ack.hospital.example/' })).toMatch(
      /^--region: ack.hospital.example does not name/,
    );
    expect(problem({ apiUrl: 'https://ack.hospital.example/', region: 'Ireland' })).toBe(
      '--region: not an AWS region: "Ireland"',
    );
  });
});

describe('wired into the commands', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    process.exitCode = undefined;
  });

  it('`pflow alerts ack --aws` and `pflow silence list --aws` sign with the default chain (here: the environment)', async () => {
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      PFLOW_LIFECYCLE_API_URL: api.url,
      AWS_REGION: 'eu-west-1',
    });
    api.answer = (request) =>
      request.url === '/api/alerts/ack'
        ? { status: 200, body: { outcome: 'acknowledged', alert: 'portal-down/f00d', acknowledgedBy: 'ana' } }
        : { status: 200, body: { silences: [] } };
    const { lines, out } = output();
    await buildProgram(out)
      .exitOverride()
      .parseAsync(['alerts', 'ack', 'portal-down', '--aws', '--by', 'ana', '--reason', 'on it'], { from: 'user' });
    expect(process.exitCode).toBe(0);
    await buildProgram(out).exitOverride().parseAsync(['silence', 'list', '--aws'], { from: 'user' });
    expect(process.exitCode).toBe(0);
    expect(lines).toEqual({
      stdout: 'acknowledged portal-down/f00d by ana\nno active or pending run-time silences\n',
      stderr: '',
    });
    expect(api.requests.map((r) => `${r.method} ${r.url} ${r.credential.accessKeyId}`)).toEqual([
      'POST /api/alerts/ack AKIDEXAMPLE',
      'GET /api/silences AKIDEXAMPLE',
    ]);
  });

  it('without an API URL exits 2 and says where to find it', async () => {
    delete process.env.PFLOW_LIFECYCLE_API_URL;
    const { lines, out } = output();
    await buildProgram(out)
      .exitOverride()
      .parseAsync(['silence', 'expire', 'sil-1', '--aws', '--by', 'bo'], { from: 'user' });
    expect(process.exitCode).toBe(2);
    expect(lines.stderr).toContain("Outputs[?OutputKey=='LifecycleApiUrl']");
    expect(api.requests).toEqual([]);
  });
});
