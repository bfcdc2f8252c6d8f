import { describe, expect, it } from "vitest";
import { KB_TABLES as SUITE_TABLES } from "@kaartenbak/conformance";
import { KB_TABLES } from "../src/index.js";

// Core cannot import the store, yet its conformance suite must know every table to prove that a
// failed command left nothing behind. The two lists are kept in step by this test.
describe("table lists", () => {
  it("the conformance suite checks exactly the tables the store creates", () => {
    expect([...SUITE_TABLES].sort()).toEqual([...KB_TABLES].sort());
  });
});
