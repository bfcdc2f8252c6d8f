import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { uuidv7, uuidv7Generator } from "../src/ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The 48-bit millisecond timestamp of a v7 id. */
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
/** The 12-bit `rand_a` counter of a v7 id. */
const counterOf = (id: string) => parseInt(id.slice(15, 18), 16);

function expectStrictlyIncreasing(ids: readonly string[]): void {
  let bad = 0;
  for (let i = 1; i < ids.length; i++) if (!(ids[i - 1]! < ids[i]!)) bad++;
  expect(bad, "ids out of order").toBe(0);
}

describe("uuidv7: monotonic (RFC 9562 §6.2)", () => {
  it("100,000 consecutive ids are strictly increasing, unique and valid v7", () => {
    const ids = Array.from({ length: 100_000 }, () => uuidv7());
    expectStrictlyIncreasing(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !V7.test(id))).toEqual([]);
    // Many of them share a millisecond (the counter orders those), and the timestamps are real.
    expect(new Set(ids.map(msOf)).size).toBeLessThan(ids.length);
    expect(Math.abs(msOf(ids[0]!) - Date.now())).toBeLessThan(60_000);
  });

  it("stays ordered and keeps the clock's time on a clock that repeats, jumps and goes backwards", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        // Steps of the clock between ids: mostly the same millisecond, sometimes forwards, sometimes back.
        fc.array(
          fc.oneof(
            { weight: 5, arbitrary: fc.constant(0) },
            { weight: 2, arbitrary: fc.integer({ min: 1, max: 5 }) },
            { weight: 2, arbitrary: fc.integer({ min: -5_000, max: -1 }) },
          ),
          { minLength: 1, maxLength: 2000 },
        ),
        (start, steps) => {
          let reading = start;
          const next = uuidv7Generator(() => reading);
          const ids: string[] = [];
          let latest = -1;
          for (const step of steps) {
            reading = Math.max(0, reading + step);
            latest = Math.max(latest, reading);
            const id = next();
            expect(id).toMatch(V7);
            // At most 2000 ids cannot overflow a counter seeded below 2048, so the timestamp is the latest reading.
            expect(msOf(id)).toBe(latest);
            ids.push(id);
          }
          expectStrictlyIncreasing(ids);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("moves the timestamp one millisecond ahead when the counter overflows, and keeps it when the clock catches up", () => {
    const at = 1_700_000_000_000;
    let reading = at;
    const next = uuidv7Generator(() => reading);
    const ids = Array.from({ length: 10_000 }, () => next());
    expectStrictlyIncreasing(ids);
    const last = msOf(ids.at(-1)!);
    // Each millisecond holds at least 2049 ids (the seed is below 2048) and at most 4096.
    expect(last).toBeGreaterThanOrEqual(at + Math.ceil(10_000 / 4096) - 1);
    expect(last).toBeLessThanOrEqual(at + Math.floor(10_000 / 2049));
    expect(last).toBeGreaterThan(at);
    reading = at + 1; // the real clock is still behind the timestamp the counter moved to
    const after = next();
    expect(after > ids.at(-1)!).toBe(true);
    expect(msOf(after)).toBe(last);
  });

  it("seeds the counter at random with its top bit clear at each new millisecond", () => {
    let reading = 1_700_000_000_000;
    const next = uuidv7Generator(() => reading++);
    const seeds = Array.from({ length: 200 }, () => counterOf(next()));
    for (const seed of seeds) expect(seed).toBeLessThan(2048);
    expect(new Set(seeds).size).toBeGreaterThan(100);
  });

  it("an explicit earlier time does not make a smaller id", () => {
    const next = uuidv7Generator(() => 1_700_000_000_000);
    const a = next(1_700_000_000_500);
    const b = next(1_700_000_000_000);
    expect(b > a).toBe(true);
    expect(msOf(b)).toBe(1_700_000_000_500);
    expect(() => next(Number.NaN)).toThrow(RangeError);
  });
});
