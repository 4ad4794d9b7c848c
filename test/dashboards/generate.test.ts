import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll } from '../../dashboards/src/generate.js';
import { BACKENDS, CLOUDWATCH_DATASOURCE, DASHBOARDS, DATASOURCES } from '../../dashboards/src/index.js';
import { panelsOf } from '../../dashboards/src/spec.js';
import { METRICS, SERVICES } from '../../lambdas/shared/environment.js';

const ROOT = join(import.meta.dirname, '../..');

interface PanelJson {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly fieldConfig?: { defaults?: { unit?: string } };
  readonly targets?: ReadonlyArray<{ datasource?: { type?: string; uid?: string } }>;
}

describe('the committed dashboards', () => {
  it('are up to date with dashboards/src (regenerated in memory and compared as data)', async () => {
    const rendered = await renderAll();
    const committed = readdirSync(join(ROOT, 'dashboards'))
      .filter((name) => name.endsWith('.json'))
      .map((name) => `dashboards/${name}`)
      .sort();
    expect(committed, 'dashboards/*.json holds a file no dashboard renders, or misses one').toEqual(
      [...rendered.keys()].sort(),
    );
    for (const [path, text] of rendered) {
      expect(
        JSON.parse(readFileSync(join(ROOT, path), 'utf8')),
        `${path} is stale: regenerate with \`npm run dashboards\``,
      ).toEqual(JSON.parse(text));
    }
  });

  it('give every panel a data source of its backend, on the panel and on each query, and a unit', () => {
    for (const entry of DASHBOARDS) {
      for (const backend of BACKENDS) {
        const json = entry.json(backend) as unknown as { panels: PanelJson[] };
        const panels = json.panels.filter((panel) => panel.type !== 'row');
        expect(panels.length, entry.uid).toBeGreaterThan(0);
        for (const panel of panels) {
          const where = `${entry.uid} (${backend}) panel ${panel.id} "${panel.title}"`;
          const readsCloudWatch = panelsOf(entry.spec).find((spec) => spec.id === panel.id)?.cloudwatch !== undefined;
          const ds = readsCloudWatch ? CLOUDWATCH_DATASOURCE : DATASOURCES[backend];
          expect(panel.datasource, where).toEqual({ type: ds.type, uid: ds.uid });
          expect(panel.targets?.length, where).toBeGreaterThan(0);
          for (const target of panel.targets ?? []) expect(target.datasource, where).toEqual(panel.datasource);
          expect(panel.fieldConfig?.defaults?.unit, where).toMatch(/^[A-Za-z_]+$/);
        }
      }
    }
  });

  it("send Timestream SQL in the plugin's query model: rawQuery, format 1 (time series) only when rows carry a time bucket", () => {
    for (const entry of DASHBOARDS) {
      const json = entry.json('timestream') as unknown as { panels: Array<PanelJson & { targets?: any[] }> };
      for (const panel of json.panels.filter(
        (p) => p.type !== 'row' && p.datasource?.uid !== CLOUDWATCH_DATASOURCE.uid,
      )) {
        for (const target of panel.targets ?? []) {
          expect(target.rawQuery, `${entry.uid} panel ${panel.id}`).toMatch(/^SELECT /);
          expect(target.format).toBe(/ AS time,/.test(target.rawQuery) ? 1 : 0);
          expect(target.waitForResult).toBe(true);
          expect(target.expr).toBeUndefined();
        }
      }
    }
  });

  it('chart notifications delivered and dead-lettered from the EMF metrics the deliver function emits', () => {
    // test/lambdas/shared/observability.test.ts holds the deliver function's EMF to these names and dimension sets.
    const charted = DASHBOARDS.flatMap((entry) =>
      BACKENDS.flatMap((backend) =>
        (entry.json(backend) as unknown as { panels: PanelJson[] }).panels
          .filter((panel) => panel.datasource?.uid === CLOUDWATCH_DATASOURCE.uid)
          .flatMap((panel) => ((panel.targets ?? []) as any[]).map((target) => ({ uid: entry.uid, backend, target }))),
      ),
    );
    const common = {
      queryMode: 'Metrics',
      metricQueryType: 0,
      region: 'default',
      namespace: METRICS.namespace,
      // Exactly the EMF dimension set: without it CloudWatch would also match other sets.
      matchExact: true,
      statistic: 'Sum',
    };
    const allChannels = { ...common, dimensions: { service: SERVICES.deliver }, label: 'all channels' };
    const perChannel = {
      ...common,
      dimensions: { service: SERVICES.deliver, channel: '*' },
      label: "${PROP('Dim.channel')}",
    };
    for (const backend of BACKENDS) {
      const targets = charted.filter((c) => c.backend === backend);
      expect(targets.every((c) => c.uid === 'pflow-alert-history')).toBe(true);
      // Delivered: every channel together ({service}, always sent) and per channel ({service,
      // channel}, sent with aws.detailed_metrics); dead-lettered per channel (sent when not zero).
      expect(targets.map((c) => c.target)).toEqual([
        expect.objectContaining({ ...allChannels, metricName: METRICS.notificationsDelivered }),
        expect.objectContaining({ ...perChannel, metricName: METRICS.notificationsDelivered }),
        expect.objectContaining({ ...perChannel, metricName: METRICS.notificationsDeadLettered }),
      ]);
      for (const { target } of targets) {
        expect(Object.keys(target.dimensions).sort()).toEqual(
          target.label === 'all channels' ? ['service'] : ['channel', 'service'],
        );
      }
    }
  });

  it('link to the other dashboards of the same store, keeping variables and time', () => {
    for (const entry of DASHBOARDS) {
      for (const backend of BACKENDS) {
        const json = entry.json(backend) as unknown as { tags: string[]; links: any[] };
        expect(json.tags).toEqual(expect.arrayContaining(['performanceflow', backend]));
        expect(json.links).toEqual([
          expect.objectContaining({
            type: 'dashboards',
            tags: ['performanceflow', backend],
            includeVars: true,
            keepTime: true,
          }),
        ]);
      }
    }
  });

  it('keep panel ids unique within a dashboard and the same in both renderings (alert links use them)', () => {
    for (const entry of DASHBOARDS) {
      const ids = BACKENDS.map((backend) =>
        (entry.json(backend) as unknown as { panels: PanelJson[] }).panels.map((panel) => panel.id),
      );
      expect(new Set(ids[0]).size, entry.uid).toBe(ids[0]!.length);
      expect(ids[1], entry.uid).toEqual(ids[0]);
    }
  });

  it("have unique uids within Grafana's 40-character limit, and no numeric id", () => {
    const uids = DASHBOARDS.map((entry) => entry.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const entry of DASHBOARDS) {
      expect(entry.uid).toMatch(/^pflow-[a-z0-9-]{1,34}$/);
      for (const backend of BACKENDS) {
        const json = entry.json(backend) as unknown as { uid: string; id: unknown; title: string };
        expect(json.uid).toBe(entry.uid);
        expect(json.id).toBeNull();
        expect(json.title).toBe(entry.title);
      }
    }
  });
});
