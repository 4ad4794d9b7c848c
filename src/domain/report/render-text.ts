import type { DailyDigest } from './digest.js';
import {
  ackText,
  agentsHeadline,
  alertLabels,
  alertSpan,
  availabilityText,
  certText,
  duration,
  localDate,
  localDateTime,
  ms,
  percent,
  title,
  worstHours,
  zoneNote,
} from './format.js';

/** Bars for the text chart, lowest to highest. */
const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per local hour. Scaled from 90 % (▁) to 100 % (█) because that is where a
 * hospital's services live; anything at or below 90 % is the lowest bar. `·` marks an hour
 * without results.
 */
export function textChart(digest: DailyDigest): string {
  return digest.hourly
    .map((p) => {
      if (p.availability === null) return '·';
      const level = Math.max(0, Math.min(1, (p.availability - 0.9) / 0.1));
      return BARS[Math.round(level * (BARS.length - 1))];
    })
    .join('');
}

/** Pure: the digest as plain text, for the terminal, the console channel and the email's text part. */
export function renderReportText(digest: DailyDigest): string {
  const zone = digest.site.timezone;
  const lines: string[] = [title(digest), `Site ${digest.site.id}, ${zoneNote(digest)}.`, ''];

  lines.push(
    `Availability: ${availabilityText(digest.overall.day)} today, ${percent(digest.overall.week.ratio)} over 7 days`,
    `By hour: ${textChart(digest)}  (lowest: ${worstHours(digest, 3)})`,
    '',
  );
  if (digest.availability.length === 0) lines.push('  No probes at this site.');
  for (const row of digest.availability) {
    lines.push(
      `  ${row.probe.padEnd(24)} ${percent(row.day.ratio).padStart(8)} day ${percent(row.week.ratio).padStart(8)} week  ${row.target}`,
    );
  }

  lines.push('', `Alerts fired (${digest.alerts.length})`);
  if (digest.alerts.length === 0) lines.push('  None.');
  for (const alert of digest.alerts) {
    const labels = alertLabels(alert);
    lines.push(
      `  ${alertSpan(alert, zone)} ${alert.rule.severity} ${alert.rule.name}${labels ? ` {${labels}}` : ''} · ${ackText(alert, zone)}`,
    );
  }

  lines.push('', 'Slowest endpoints (average, slowest result)');
  if (digest.slowest.length === 0) lines.push('  No results.');
  for (const slow of digest.slowest) {
    lines.push(
      `  ${slow.probe.padEnd(24)} ${ms(slow.avgMs).padStart(8)} ${ms(slow.maxMs).padStart(8)}  ${slow.target}`,
    );
  }

  lines.push('', `Certificates expiring within ${digest.settings.certWithinDays} days`);
  if (digest.certificates.length === 0) lines.push('  None.');
  for (const cert of digest.certificates) {
    lines.push(
      `  ${cert.probe.padEnd(24)} ${certText(cert.daysLeft)} (${localDate(cert.expiresAt, zone)})  ${cert.target}`,
    );
  }

  lines.push('', 'Agents', `  ${agentsHeadline(digest)}`);
  for (const agent of digest.agents.silent) {
    const last = agent.lastSeen === null ? 'never' : localDateTime(agent.lastSeen, zone);
    lines.push(
      `  ${agent.agent}: silent ${duration(agent.silentMs)} (longest ${duration(agent.longestGapMs)}), last heard ${last}${agent.silentAtEnd ? ', still silent' : ''}`,
    );
  }

  if (digest.assets) {
    const a = digest.assets;
    lines.push('', 'Assets (now)');
    lines.push(
      `  Missing: ${a.missing.length}, left the building: ${a.leftBuilding.length}, low battery: ${a.lowBattery.length}, par levels short: ${a.shortages.length}`,
    );
    for (const line of a.missing)
      lines.push(`  missing ${line.asset} (${line.type}), last in ${line.zone ?? 'unknown'}`);
    for (const line of a.leftBuilding) lines.push(`  left the building ${line.asset} (${line.type})`);
    for (const s of a.shortages) lines.push(`  short ${s.zone}: ${s.available} of ${s.min} ${s.type}`);
    for (const line of a.lowBattery) lines.push(`  low battery ${line.asset} (${line.type}): ${line.battery ?? '?'}%`);
  }

  lines.push('', '-- ', `Sent by PerformanceFlow at ${localDateTime(digest.generatedAt, zone)} (${zone}).`);
  return `${lines.join('\n')}\n`;
}
