/**
 * windows_exporter's metric renames up to v0.31, so that rules and dashboards are written once,
 * against the new names, whichever version a hospital's servers run.
 *
 * Source: prometheus-community/windows_exporter, the commits between v0.30.0 and v0.31.0 that
 * removed the deprecated names (#2112 system, #2115 cs, #2116 os, #1858 process, #1910 time, #1967
 * system boot time) and v0.30.0's rename of `windows_system_system_up_time` (#1784). Each entry
 * is a one-to-one rename: the same labels and the same value. The os collector's
 * `windows_os_users` and `windows_os_virtual_memory_free_bytes` have no one-metric successor
 * (they became expressions) and are left as scraped.
 */
export const WINDOWS_EXPORTER_RENAMES: ReadonlyMap<string, string> = new Map([
  // cs collector, removed in v0.31 (#2115)
  ['windows_cs_hostname', 'windows_os_hostname'],
  ['windows_cs_logical_processors', 'windows_cpu_logical_processor'],
  ['windows_cs_physical_memory_bytes', 'windows_memory_physical_total_bytes'],
  // os collector's deprecated metrics, removed in v0.31 (#2116)
  ['windows_os_physical_memory_free_bytes', 'windows_memory_physical_free_bytes'],
  ['windows_os_time', 'windows_time_current_timestamp_seconds'],
  ['windows_os_timezone', 'windows_time_timezone'],
  ['windows_os_processes', 'windows_system_processes'],
  ['windows_os_processes_limit', 'windows_system_process_limit'],
  ['windows_os_process_memory_limit_bytes', 'windows_memory_process_memory_limit_bytes'],
  ['windows_os_virtual_memory_bytes', 'windows_memory_commit_limit'],
  ['windows_os_visible_memory_bytes', 'windows_memory_physical_total_bytes'],
  // system boot time: renamed in v0.30 (#1784), renamed again in v0.31 (#1967, #2112)
  ['windows_system_system_up_time', 'windows_system_boot_time_timestamp'],
  ['windows_system_boot_time_timestamp_seconds', 'windows_system_boot_time_timestamp'],
  // process start time (#1858, old name removed by #2112)
  ['windows_process_start_time', 'windows_process_start_time_seconds_timestamp'],
  // time: the ppb adjustment is a gauge, not a counter (#1910)
  ['windows_time_clock_frequency_adjustment_ppb_total', 'windows_time_clock_frequency_adjustment_ppb'],
]);

/**
 * Decides, for one page, what each old name becomes: the new name, or nothing when the page also
 * has the new name (a v0.30 exporter sends both during its deprecation period, and keeping both
 * would make two copies of one series). `present` says which names the page holds.
 */
export function windowsExporterRenamesFor(present: (name: string) => boolean): ReadonlyMap<string, string | null> {
  const decisions = new Map<string, string | null>();
  // Two old names share a successor (cs physical memory and os visible memory): the first one kept wins.
  const claimed = new Set<string>();
  for (const [oldName, newName] of WINDOWS_EXPORTER_RENAMES) {
    if (!present(oldName)) continue;
    const keep = !present(newName) && !claimed.has(newName);
    claimed.add(newName);
    decisions.set(oldName, keep ? newName : null);
  }
  return decisions;
}
