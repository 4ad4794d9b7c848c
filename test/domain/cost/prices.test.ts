import { describe, expect, it } from 'vitest';
import { PROBES_PER_SCHEDULE } from '../../../lib/probes.js';
import { DEFAULT_ASSUMPTIONS } from '../../../src/domain/cost/assumptions.js';
import { costOf, FREE_TIERS, PRICE_IDS, PRICES, PRICES_READ_ON } from '../../../src/domain/cost/prices.js';

describe('the unit-price table', () => {
  it('gives every price a source URL, the date it was read and how sure the reading is', () => {
    expect(Object.keys(PRICES).sort()).toEqual([...PRICE_IDS].sort());
    for (const price of Object.values(PRICES)) {
      expect(price.source, price.id).toMatch(/^https:\/\/\S+$/);
      expect(price.read, price.id).toBe(PRICES_READ_ON);
      expect(['aws', 'third-party', 'unconfirmed'], price.id).toContain(price.confidence);
      expect(price.usd, price.id).toBeGreaterThan(0);
      // A price nobody confirmed says why in its note.
      if (price.confidence === 'unconfirmed') expect(price.note, price.id).toBeTruthy();
    }
  });

  it('free tiers name a price and a source; only the permanent ones are applied', () => {
    for (const tier of FREE_TIERS) {
      expect(PRICE_IDS, tier.priceId).toContain(tier.priceId);
      expect(tier.source).toMatch(/^https:\/\//);
    }
    expect(FREE_TIERS.find((t) => t.priceId === 'apigateway.http')?.permanent).toBe(false);
  });

  it('prices by the unit it states', () => {
    expect(costOf('lambda.requests', 1_000_000)).toBeCloseTo(0.2, 12);
    expect(costOf('amp.ingest', 10_000_000)).toBeCloseTo(0.9, 12);
    expect(costOf('synthetics.run', 43_800)).toBeCloseTo(52.56, 12);
    expect(costOf('kms.requests', 10_000)).toBeCloseTo(0.03, 12);
  });

  it("uses the stack's probes-per-schedule split", () => {
    expect(DEFAULT_ASSUMPTIONS.probesPerSchedule.value).toBe(PROBES_PER_SCHEDULE);
  });
});
