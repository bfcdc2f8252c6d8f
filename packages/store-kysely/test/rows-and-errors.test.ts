import { CrmError, isCrmError } from "@kaartenbak/core";
import { mapError } from "@kaartenbak/store-kysely";
import { describe, expect, it } from "vitest";
import { withMappedErrors } from "../src/map-error.js";
import { fromJson, historyFromRow, outboxFromRow, relationFromRows, toJson } from "../src/rows.js";
import { postgresLikeProfile } from "./pg-dummy.js";

describe("row mapping", () => {
  it("reads Postgres-shaped values: Date instants, bigint strings, parsed jsonb", () => {
    const event = outboxFromRow({
      tenant_id: "t",
      sequence: "9007199254740991",
      id: "e1",
      type: "x",
      entity_type: "relation",
      entity_id: "r1",
      payload: { a: 1 },
      actor: "a",
      source: "s",
      occurred_at: new Date("2026-03-01T09:15:00Z"),
    });
    expect(event).toMatchObject({ sequence: 9007199254740991, payload: { a: 1 }, occurredAt: "2026-03-01T09:15:00.000Z" });
    const entry = historyFromRow({
      tenant_id: "t",
      id: "h",
      entity_type: "link",
      entity_id: "l",
      action: "update",
      version: "3",
      changes: '{"role":{"from":null,"to":"x"}}',
      actor: "a",
      source: "s",
      at: "2026-03-01T10:15:00+01:00",
    });
    expect(entry).toMatchObject({ version: 3, changes: { role: { from: null, to: "x" } }, at: "2026-03-01T09:15:00.000Z" });
  });

  it("orders child rows the way core does: by position, tags and references by code unit", () => {
    const record = relationFromRows(
      {
        tenant_id: "t",
        id: "r",
        kind: "person",
        name: "N",
        name_key: "n",
        given_name: null,
        family_name: null,
        lifecycle: "lead",
        owner_id: null,
        addresses: "[]",
        attributes: "{}",
        attributes_version: 1,
        version: 1,
        created_at: "2026-01-01T00:00:00.000Z",
        updated_at: "2026-01-01T00:00:00.000Z",
        deleted_at: null,
      },
      {
        emails: [
          { email: "b@x", label: null, is_primary: 0, position: "1" },
          { email: "a@x", label: "w", is_primary: 1, position: 0 },
        ],
        phones: [],
        tags: ["b", "B", "a"],
        refs: [
          { system: "erp", external_id: "2" },
          { system: "crm", external_id: "9" },
          { system: "erp", external_id: "10" },
        ],
      },
    );
    expect(record.emails).toEqual([
      { address: "a@x", label: "w", primary: true },
      { address: "b@x", label: null, primary: false },
    ]);
    expect(record.tags).toEqual(["B", "a", "b"]);
    expect(record.externalRefs.map((r) => `${r.system}:${r.externalId}`)).toEqual(["crm:9", "erp:10", "erp:2"]);
  });

  it("stores undefined JSON as null so NOT NULL columns hold", () => {
    expect(toJson(undefined)).toBe("null");
    expect(fromJson(toJson({ a: [1] }))).toEqual({ a: [1] });
  });
});

describe("mapError", () => {
  const profile = postgresLikeProfile();

  it("passes CrmError through, classifies native errors, and reports the rest as STORAGE", () => {
    const own = new CrmError("NOT_FOUND", "x");
    expect(mapError(profile, own)).toBe(own);
    const native = Object.assign(new Error("duplicate key"), { code: "23505" });
    expect(mapError(profile, native)).toMatchObject({ code: "DUPLICATE", cause: native });
    const other = new Error("connection reset");
    expect(mapError(profile, other)).toMatchObject({ code: "STORAGE", cause: other });
    expect(mapError(profile, "weird").message).toContain("weird");
  });

  it("maps errors at the repository call, leaving results untouched", async () => {
    const repository = {
      ok: async (n: number) => n + 1,
      fails: async () => Promise.reject(Object.assign(new Error("dup"), { code: "23505" })),
    };
    const wrapped = withMappedErrors(profile, repository);
    expect(await wrapped.ok(1)).toBe(2);
    const error = await wrapped.fails().catch((e: unknown) => e);
    expect(isCrmError(error, "DUPLICATE")).toBe(true);
  });
});
