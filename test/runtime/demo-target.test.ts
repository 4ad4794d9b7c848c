import { afterEach, describe, expect, it } from 'vitest';
import { DemoTarget } from '../../src/runtime/demo-target.js';

describe('DemoTarget', () => {
  let target: DemoTarget | undefined;
  afterEach(async () => target?.stop());

  it('answers 200 while up and 503 while down, on a fixed cycle from start', async () => {
    let now = 1_000_000;
    target = new DemoTarget({ listen: '127.0.0.1:0', upForMs: 45_000, downForMs: 15_000 }, { now: () => now });
    const url = await target.start();

    const statusAt = async (offsetMs: number) => {
      now = 1_000_000 + offsetMs;
      return (await fetch(`${url}/health`)).status;
    };
    expect(await statusAt(0)).toBe(200);
    expect(await statusAt(44_999)).toBe(200);
    expect(await statusAt(45_000)).toBe(503);
    expect(await statusAt(59_999)).toBe(503);
    expect(await statusAt(60_000)).toBe(200);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
