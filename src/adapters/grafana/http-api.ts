import type { GrafanaApi } from '../../domain/grafana/ports.js';
import type { DashboardUpsert, DataSourceBody } from '../../domain/grafana/provisioning.js';
import { PflowError } from '../../domain/errors.js';
import { redactorFor } from '../../domain/redact.js';

/** A Grafana HTTP API answer that was not what the upsert needs. Never carries the token. */
export class GrafanaApiError extends PflowError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    super('grafana_api', `Grafana ${method} ${path}: HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

const DETAIL_CHARS = 300;

/**
 * The Grafana HTTP API with a service-account token (`Authorization: Bearer`), as Managed Grafana
 * serves it at `https://<workspace endpoint>/api/...`. Each upsert asks first whether the object
 * exists by uid, so a second deploy updates in place instead of failing with 409.
 */
export class GrafanaHttpApi implements GrafanaApi {
  private readonly base: string;
  private readonly redact: (text: string) => string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.redact = redactorFor([token]);
  }

  async upsertDataSource(body: DataSourceBody): Promise<void> {
    const path = `/api/datasources/uid/${encodeURIComponent(body.uid)}`;
    if (await this.exists(path)) await this.send('PUT', path, body);
    else await this.send('POST', '/api/datasources', body);
  }

  async upsertFolder(uid: string, title: string): Promise<void> {
    const path = `/api/folders/${encodeURIComponent(uid)}`;
    if (await this.exists(path)) await this.send('PUT', path, { title, overwrite: true });
    else await this.send('POST', '/api/folders', { uid, title });
  }

  async upsertDashboard(upsert: DashboardUpsert): Promise<void> {
    await this.send('POST', '/api/dashboards/db', upsert.body);
  }

  private async exists(path: string): Promise<boolean> {
    const response = await this.request('GET', path);
    if (response.status === 404) return false;
    if (response.ok) return true;
    throw await this.failure('GET', path, response);
  }

  private async send(method: string, path: string, body: unknown): Promise<void> {
    const response = await this.request(method, path, body);
    if (!response.ok) throw await this.failure(method, path, response);
    await response.arrayBuffer();
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await this.fetchImpl(this.base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      // Only the message: a fetch error's cause can hold the request, headers included.
      const message = error instanceof Error ? error.message : String(error);
      throw new GrafanaApiError(method, path, 0, this.redact(message));
    }
  }

  private async failure(method: string, path: string, response: Response): Promise<GrafanaApiError> {
    const text = await response.text().catch(() => '');
    return new GrafanaApiError(method, path, response.status, this.redact(text.slice(0, DETAIL_CHARS)));
  }
}
