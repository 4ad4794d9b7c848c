import { describe, expect, it } from 'vitest';
import { annotationsSchema } from '../../../src/domain/config/annotations.js';

describe('link annotations', () => {
  it.each([
    { runbook: 'https://wiki.example/runbooks/pacs' },
    { runbook_url: 'http://wiki.example:8080/x?y=1' },
    { dashboard: 'https://grafana.example/d/pacs?var-host={{ $labels.host }}' },
    { dashboard_url: 'https://grafana.example/d/{{ $labels.dash }}' },
    { runbook: 'https://wiki.example#{{ $labels.section }}' },
    { summary: '{{ $labels.url }}', description: '[anything](https://x.example)' },
  ])('accepts %j', (annotations) => {
    expect(annotationsSchema.safeParse(annotations).success).toBe(true);
  });

  it.each([
    [{ runbook: '{{ $labels.runbook }}' }, 'runbook', /placeholders may fill only the path/],
    [{ dashboard: 'https://{{ $labels.host }}/d/x' }, 'dashboard', /placeholders may fill only the path/],
    [{ runbook: 'https://wiki.example{{ $labels.suffix }}' }, 'runbook', /placeholders may fill only the path/],
    [{ runbook_url: 'wiki.example/runbooks/pacs' }, 'runbook_url', /absolute http\(s\) URL/],
    [{ dashboard_url: 'javascript:alert(1)' }, 'dashboard_url', /absolute http\(s\) URL/],
  ])('refuses %j, saying why', (annotations, field, message) => {
    const result = annotationsSchema.safeParse(annotations);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: [field], message: expect.stringMatching(message) }),
    ]);
  });
});
