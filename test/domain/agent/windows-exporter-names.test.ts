import { describe, expect, it } from 'vitest';
import {
  WINDOWS_EXPORTER_RENAMES,
  windowsExporterRenamesFor,
} from '../../../src/domain/agent/windows-exporter-names.js';

describe('windows_exporter v0.31 names', () => {
  it('maps old names to the v0.31 ones when only the old ones are on the page', () => {
    const page = new Set(['windows_cs_hostname', 'windows_os_time', 'windows_cpu_time_total']);
    expect(Object.fromEntries(windowsExporterRenamesFor((name) => page.has(name)))).toEqual({
      windows_cs_hostname: 'windows_os_hostname',
      windows_os_time: 'windows_time_current_timestamp_seconds',
    });
  });

  it('drops an old name when the page also has its successor (a v0.30 exporter sends both)', () => {
    const page = new Set(['windows_system_boot_time_timestamp_seconds', 'windows_system_boot_time_timestamp']);
    expect(
      windowsExporterRenamesFor((name) => page.has(name)).get('windows_system_boot_time_timestamp_seconds'),
    ).toBeNull();
  });

  it('keeps only the first of two old names that share a successor', () => {
    const page = new Set(['windows_cs_physical_memory_bytes', 'windows_os_visible_memory_bytes']);
    expect(Object.fromEntries(windowsExporterRenamesFor((name) => page.has(name)))).toEqual({
      windows_cs_physical_memory_bytes: 'windows_memory_physical_total_bytes',
      windows_os_visible_memory_bytes: null,
    });
  });

  it('leaves a page of new names alone', () => {
    const page = new Set([...WINDOWS_EXPORTER_RENAMES.values()]);
    expect(windowsExporterRenamesFor((name) => page.has(name)).size).toBe(0);
  });

  it('never maps a name to an old name (no chains)', () => {
    for (const successor of WINDOWS_EXPORTER_RENAMES.values())
      expect(WINDOWS_EXPORTER_RENAMES.has(successor)).toBe(false);
  });
});
