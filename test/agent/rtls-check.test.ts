import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRtlsInput } from '../../src/agent/rtls-check.js';
import { httpInputSchema, mqttInputSchema } from '../../src/domain/assets/input-settings.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';

/** The RTLS input check against a real mosquitto with a password file on 127.0.0.1. */

const PASSWORD = 'pw-SECRET-0123';
let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto({ users: { rtls: PASSWORD } });
});
afterAll(async () => {
  await broker.stop();
});

const mqttInput = (fields: Record<string, unknown>) =>
  mqttInputSchema.parse({ kind: 'mqtt', topics: ['rtls/#'], ...fields });

describe('checkRtlsInput', () => {
  it('shows a password written into the broker URL as *** and never in the problem', async () => {
    const url = `mqtt://rtls:wrong-${PASSWORD}@127.0.0.1:${String(broker.port)}`;
    const check = await checkRtlsInput(mqttInput({ url }), 0, 5_000);
    expect(check.target).toBe(`mqtt://rtls:***@127.0.0.1:${String(broker.port)}`);
    expect(check.problem).toMatch(/^cannot connect: .*[Nn]ot authori[sz]ed/);
    expect(JSON.stringify(check)).not.toContain('SECRET');
  });

  it("does not take over the running agent's session: its client_id is never used", async () => {
    const agent = await mqtt.connectAsync(broker.url, {
      clientId: 'ward-1-rtls',
      clean: false,
      username: 'rtls',
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    let kicked = false;
    agent.on('close', () => (kicked = true));
    const check = await checkRtlsInput(
      mqttInput({ url: broker.url, client_id: 'ward-1-rtls', username: 'rtls', password: PASSWORD }),
      2,
      5_000,
    );
    expect(check).toEqual({ setting: 'rtls.inputs[2]', kind: 'mqtt', target: broker.url, problem: undefined });
    // A round trip to the broker after the check: a takeover would have closed this connection by now.
    await agent.publishAsync('rtls/probe', 'x', { qos: 1 });
    expect(kicked).toBe(false);
    await agent.endAsync();
  });

  it('binds an IPv6 loopback listen address in brackets', async () => {
    const check = await checkRtlsInput(httpInputSchema.parse({ kind: 'http', listen: '[::1]:0' }), 1, 5_000);
    expect(check.problem).toBeUndefined();
  });
});
