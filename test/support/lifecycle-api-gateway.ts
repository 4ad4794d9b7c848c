/**
 * API Gateway in front of the real lifecycle API function, for CLI tests: a request the SigV4
 * loopback accepted (IAM let it through) becomes the payload 2.0 event the HTTP API's
 * `/api/{proxy+}` route builds, with the authorizer's caller, and the function's answer goes back.
 *
 *   api.answer = throughLifecycleFunction(createLifecycleApiHandler({ env, clock }));
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { LifecycleApiEvent } from '../../lambdas/lifecycle-api.js';
import type { LoopbackAnswer, SignedRequest } from './sigv4-loopback.js';

export const GATEWAY_CALLER = 'arn:aws:iam::123456789012:user/ana';
export const GATEWAY_SOURCE_IP = '198.51.100.23';

export function gatewayEventOf(request: SignedRequest, caller = GATEWAY_CALLER): LifecycleApiEvent {
  const url = new URL(request.url, 'http://loopback');
  return {
    version: '2.0',
    routeKey: `${request.method} /api/{proxy+}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
    requestContext: {
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: GATEWAY_SOURCE_IP,
        userAgent: 'pflow',
      },
      authorizer: { iam: { userArn: caller } },
    } as unknown as LifecycleApiEvent['requestContext'],
    isBase64Encoded: false,
    ...(request.body !== '' && { body: request.body }),
  };
}

export function throughLifecycleFunction(
  handler: (event: LifecycleApiEvent, context: Context) => Promise<unknown>,
  caller = GATEWAY_CALLER,
): (request: SignedRequest) => Promise<LoopbackAnswer> {
  const context = {
    functionName: 'pflow-lifecycle-api',
    awsRequestId: 'req-gateway-1',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;
  return async (request) => {
    const result = (await handler(gatewayEventOf(request, caller), context)) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode!, body: JSON.parse(String(result.body)) as unknown };
  };
}
