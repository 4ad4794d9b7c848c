import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../lambdas/shared/lambda-credentials.js';

/** The credential provider the Lambda bundles use instead of the SDK's default chain. */

let server: Server;
let url: string;

beforeAll(async () => {
  // A container credentials endpoint, as ECS or a Lambda container runtime would serve it.
  server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        AccessKeyId: 'ASIACONTAINER',
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: '2099-01-01T00:00:00Z',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
afterEach(() => vi.unstubAllEnvs());

function only(env: Record<string, string>): void {
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ])
    vi.stubEnv(name, env[name] ?? '');
}

describe('Lambda credentials', () => {
  it("returns the function role's credentials that Lambda puts in the environment", async () => {
    only({ AWS_ACCESS_KEY_ID: 'ASIAROLE', AWS_SECRET_ACCESS_KEY: 'role-secret', AWS_SESSION_TOKEN: 'role-token' });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: 'role-secret',
      sessionToken: 'role-token',
    });
  });

  it('falls back to a container credentials endpoint', async () => {
    only({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIACONTAINER',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-token',
    });
  });

  it('names the variables when there are no credentials', async () => {
    only({});
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});
