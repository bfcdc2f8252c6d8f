import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../src/cursor.js";
import { deepEqual, diffFields } from "../src/diff.js";
import { CrmError, isCrmError, staleVersion, validationError } from "../src/errors.js";
import { assertTenantId, uuidv7 } from "../src/ids.js";
import { createCrm } from "../src/crm.js";

describe("uuidv7", () => {
  it("is a version 7 UUID that sorts by time", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7())).size).toBe(1000);
  });
});

describe("cursor", () => {
  it("round-trips and rejects tampering", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-12-31") }), fc.string({ minLength: 1 }), (d, id) => {
        const position = { occurredAt: d.toISOString(), id };
        expect(decodeCursor(encodeCursor(position))).toEqual(position);
      }),
    );
    for (const bad of ["", "x", Buffer.from("[1,2]").toString("base64url"), Buffer.from('["nope","a"]').toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrowError(expect.objectContaining({ code: "VALIDATION" }));
    }
  });
});

describe("diffFields", () => {
  it("lists only changed fields, and set fields on create", () => {
    const before = { a: 1, b: [1, 2], c: { x: 1 }, d: null as string | null };
    expect(diffFields(before, { ...before, b: [1, 2], c: { x: 2 } }, ["a", "b", "c", "d"])).toEqual({ c: { from: { x: 1 }, to: { x: 2 } } });
    expect(diffFields(undefined, { a: 1, b: [], c: { x: 1 }, d: null }, ["a", "b", "c", "d"])).toEqual({
      a: { from: null, to: 1 },
      c: { from: null, to: { x: 1 } },
    });
  });
  it("deepEqual agrees with JSON equality on JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(deepEqual(a, structuredClone(a))).toBe(true);
        if (deepEqual(a, b)) expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }),
    );
  });
});

describe("errors", () => {
  it("carries code, issues, details and cause", () => {
    const cause = new Error("driver");
    const e = new CrmError("DUPLICATE", "taken", { cause, constraint: "kb_relation_refs_pkey" });
    expect(e).toBeInstanceOf(Error);
    expect(e.cause).toBe(cause);
    expect(e.details.constraint).toBe("kb_relation_refs_pkey");
    expect(isCrmError(e, "DUPLICATE")).toBe(true);
    expect(isCrmError(e, "STALE_VERSION")).toBe(false);
    const v = validationError([
      { path: ["emails", 0], message: "bad", code: "invalid_format" },
      { path: [], message: "worse", code: "x" },
    ]);
    expect(v.message).toBe("Invalid input: emails.0: bad; (input): worse");
    expect(staleVersion("relation", "r1", 2, 3).details).toMatchObject({ expectedVersion: 2, actualVersion: 3, reason: "stale_version" });
  });

  it("refuses bad tenant ids and bad options", () => {
    expect(() => assertTenantId("acme-01:eu")).not.toThrow();
    expect(() => assertTenantId("")).toThrowError(expect.objectContaining({ code: "TENANT" }));
    expect(() => createCrm({} as never)).toThrowError(
      expect.objectContaining({ code: "CONFIGURATION", details: expect.objectContaining({ reason: "invalid_options" }) }),
    );
  });
});
