/**
 * A fake of the Grafana HTTP API on 127.0.0.1 (there is no Grafana server to run here): it keeps
 * data sources, folders and dashboards by uid, answers GET 404/200 and POST/PUT like Grafana, refuses
 * any request without the expected bearer token, and can fail the upsert of one dashboard uid.
 * It also takes CloudFormation's custom-resource response PUTs at `/cfn-response`.
 *
 *   const grafana = await startFakeGrafana({ token: 'glsa_x' });
 *   grafana.url                   → http://127.0.0.1:PORT
 *   grafana.calls()               → ['GET /api/datasources/uid/pflow-amp', 'POST /api/datasources', …]
 *   grafana.failDashboard('uid')  → that dashboard's upsert answers 500
 *   grafana.dashboards, .dataSources, .folders   → what was stored, by uid
 *   grafana.receiver.requests     → every request with headers and JSON bodies
 */
import { startHttpReceiver, type HttpReceiver, type ReceiverReply } from './http-receiver.js';

export interface FakeGrafana {
  readonly url: string;
  readonly receiver: HttpReceiver;
  readonly dataSources: Map<string, Record<string, unknown>>;
  readonly folders: Map<string, Record<string, unknown>>;
  readonly dashboards: Map<string, Record<string, unknown>>;
  calls(): string[];
  failDashboard(uid: string): void;
  setToken(token: string): void;
  /** Forgets the requests seen so far (the stored objects stay). */
  clearRequests(): void;
  close(): Promise<void>;
}

export async function startFakeGrafana(options: { token: string }): Promise<FakeGrafana> {
  let token = options.token;
  const failing = new Set<string>();
  const dataSources = new Map<string, Record<string, unknown>>();
  const folders = new Map<string, Record<string, unknown>>();
  const dashboards = new Map<string, Record<string, unknown>>();
  const json = (status: number, body: unknown): ReceiverReply => ({
    status,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  const receiver = await startHttpReceiver();
  receiver.replyWith((request) => {
    const { method, path } = request;
    if (path === '/cfn-response') return { status: 200, body: '' };
    if (request.headers.authorization !== `Bearer ${token}`) return json(401, { message: 'invalid API key' });
    const body = (request.json ?? {}) as Record<string, unknown>;
    let match: RegExpExecArray | null;
    if ((match = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path))) {
      const uid = decodeURIComponent(match[1]!);
      if (method === 'GET') return dataSources.has(uid) ? json(200, dataSources.get(uid)) : json(404, {});
      if (method === 'PUT' && dataSources.has(uid)) {
        dataSources.set(uid, body);
        return json(200, { message: 'Datasource updated' });
      }
    }
    if (path === '/api/datasources' && method === 'POST') {
      const uid = String(body.uid);
      if (dataSources.has(uid)) return json(409, { message: 'data source with the same uid already exists' });
      dataSources.set(uid, body);
      return json(200, { message: 'Datasource added' });
    }
    if ((match = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      const uid = decodeURIComponent(match[1]!);
      if (method === 'GET') return folders.has(uid) ? json(200, folders.get(uid)) : json(404, {});
      if (method === 'PUT' && folders.has(uid)) {
        folders.set(uid, { uid, ...body });
        return json(200, { uid });
      }
    }
    if (path === '/api/folders' && method === 'POST') {
      const uid = String(body.uid);
      if (folders.has(uid)) return json(409, { message: 'a folder with the same uid already exists' });
      folders.set(uid, body);
      return json(200, { uid });
    }
    if (path === '/api/dashboards/db' && method === 'POST') {
      const dashboard = body.dashboard as Record<string, unknown> | undefined;
      const uid = String(dashboard?.uid);
      if (!folders.has(String(body.folderUid))) return json(400, { message: 'folder not found' });
      if (failing.has(uid)) return json(500, { message: `internal error saving ${uid}` });
      if (dashboards.has(uid) && body.overwrite !== true) return json(412, { status: 'version-mismatch' });
      dashboards.set(uid, body);
      return json(200, { uid, status: 'success' });
    }
    return json(404, { message: 'not found' });
  });
  return {
    url: receiver.urlFor('').replace(/\/$/, ''),
    receiver,
    dataSources,
    folders,
    dashboards,
    calls: () => receiver.requests.filter((r) => r.path !== '/cfn-response').map((r) => `${r.method} ${r.path}`),
    failDashboard: (uid) => failing.add(uid),
    setToken: (next) => (token = next),
    clearRequests: () => {
      (receiver.requests as unknown[]).length = 0;
    },
    close: () => receiver.close(),
  };
}
