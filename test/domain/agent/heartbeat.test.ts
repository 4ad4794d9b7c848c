import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_SERIES,
  heartbeatSamples,
  LOG_DROP_HEARTBEAT_SERIES,
  RTLS_HEARTBEAT_SERIES,
} from '../../../src/domain/agent/heartbeat.js';

const NOW = Date.parse('2026-12-01T08:00:00Z');

describe('heartbeat samples', () => {
  it('are the contract’s series with label agent, ages in seconds, the last forward as a timestamp', () => {
    const samples = heartbeatSamples(
      {
        agentId: 'ward-1',
        version: '0.1.0',
        bufferBytes: 4096,
        bufferBatches: 3,
        oldestTime: NOW - 90_000,
        droppedBatches: 2,
        droppedSamples: 20,
        rejectedBatches: 1,
        scrapeErrors: 5,
        lastForwardTime: NOW - 10_000,
      },
      NOW,
    );
    expect(samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['pflow_agent_up', { agent: 'ward-1' }, 1],
      ['pflow_agent_info', { agent: 'ward-1', version: '0.1.0' }, 1],
      ['pflow_agent_buffer_bytes', { agent: 'ward-1' }, 4096],
      ['pflow_agent_buffer_batches', { agent: 'ward-1' }, 3],
      ['pflow_agent_buffer_oldest_age_seconds', { agent: 'ward-1' }, 90],
      ['pflow_agent_dropped_batches_total', { agent: 'ward-1' }, 2],
      ['pflow_agent_dropped_samples_total', { agent: 'ward-1' }, 20],
      ['pflow_agent_rejected_batches_total', { agent: 'ward-1' }, 1],
      ['pflow_agent_scrape_errors_total', { agent: 'ward-1' }, 5],
      ['pflow_agent_last_forward_timestamp_seconds', { agent: 'ward-1' }, (NOW - 10_000) / 1000],
    ]);
    expect(new Set(samples.map((s) => s.name))).toEqual(new Set(HEARTBEAT_SERIES));
    expect(samples.every((s) => s.time === NOW)).toBe(true);
  });

  it('say 0 s of age for an empty buffer and leave out the last forward before the first', () => {
    const samples = heartbeatSamples(
      {
        agentId: 'a',
        version: 'v',
        bufferBytes: 0,
        bufferBatches: 0,
        oldestTime: undefined,
        droppedBatches: 0,
        droppedSamples: 0,
        rejectedBatches: 0,
        scrapeErrors: 0,
        lastForwardTime: undefined,
      },
      NOW,
    );
    expect(samples.find((s) => s.name === 'pflow_agent_buffer_oldest_age_seconds')?.value).toBe(0);
    expect(samples.some((s) => s.name === 'pflow_agent_last_forward_timestamp_seconds')).toBe(false);
  });

  it('add the log drop’s events written and whether it is failing, with a log_drop: section only', () => {
    const health = {
      agentId: 'a',
      version: 'v',
      bufferBytes: 0,
      bufferBatches: 0,
      oldestTime: undefined,
      droppedBatches: 0,
      droppedSamples: 0,
      rejectedBatches: 0,
      scrapeErrors: 0,
      lastForwardTime: undefined,
    };
    const samples = heartbeatSamples({ ...health, logDrop: { events: 42, failing: true } }, NOW);
    expect(samples.slice(-2).map((s) => [s.name, s.labels, s.value])).toEqual([
      ['pflow_agent_logdrop_events_total', { agent: 'a' }, 42],
      ['pflow_agent_logdrop_failing', { agent: 'a' }, 1],
    ]);
    expect(samples.slice(-2).map((s) => s.name)).toEqual([...LOG_DROP_HEARTBEAT_SERIES]);
    expect(heartbeatSamples({ ...health, logDrop: { events: 0, failing: false } }, NOW).at(-1)?.value).toBe(0);
    expect(heartbeatSamples(health, NOW).some((s) => s.name.startsWith('pflow_agent_logdrop'))).toBe(false);
  });
  it('add per RTLS input what it received, took and refused by reason, and the tag events lost, with rtls: only', () => {
    const health = {
      agentId: 'a',
      version: 'v',
      bufferBytes: 0,
      bufferBatches: 0,
      oldestTime: undefined,
      droppedBatches: 0,
      droppedSamples: 0,
      rejectedBatches: 0,
      scrapeErrors: 0,
      lastForwardTime: undefined,
    };
    const samples = heartbeatSamples(
      {
        ...health,
        rtls: {
          droppedTagEvents: { buffer: 7, rejected: 2, not_kept: 30 },
          inputs: [
            { input: 0, kind: 'http', messages: 5, accepted: 40, rejected: { bad_event: 2, not_json: 1 } },
            { input: 1, kind: 'mqtt', connected: false, messages: 3, accepted: 9, rejected: { bad_event: 0 } },
          ],
        },
      },
      NOW,
    );
    const rtls = samples.filter((s) => s.name.includes('rtls') || s.name.includes('tag_events'));
    expect(rtls.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['pflow_agent_dropped_tag_events_total', { agent: 'a', reason: 'buffer' }, 7],
      ['pflow_agent_dropped_tag_events_total', { agent: 'a', reason: 'rejected' }, 2],
      ['pflow_agent_dropped_tag_events_total', { agent: 'a', reason: 'not_kept' }, 30],
      ['pflow_agent_rtls_messages_total', { agent: 'a', input: '0', kind: 'http' }, 5],
      ['pflow_agent_rtls_events_total', { agent: 'a', input: '0', kind: 'http' }, 40],
      ['pflow_agent_rtls_rejected_total', { agent: 'a', input: '0', kind: 'http', reason: 'bad_event' }, 2],
      ['pflow_agent_rtls_rejected_total', { agent: 'a', input: '0', kind: 'http', reason: 'not_json' }, 1],
      ['pflow_agent_rtls_messages_total', { agent: 'a', input: '1', kind: 'mqtt' }, 3],
      ['pflow_agent_rtls_events_total', { agent: 'a', input: '1', kind: 'mqtt' }, 9],
      ['pflow_agent_rtls_rejected_total', { agent: 'a', input: '1', kind: 'mqtt', reason: 'bad_event' }, 0],
      ['pflow_agent_rtls_connected', { agent: 'a', input: '1', kind: 'mqtt' }, 0],
    ]);
    expect(new Set(rtls.map((s) => s.name))).toEqual(new Set(RTLS_HEARTBEAT_SERIES));
    expect(heartbeatSamples(health, NOW).some((s) => s.name.includes('rtls') || s.name.includes('tag_events'))).toBe(
      false,
    );
  });
});
