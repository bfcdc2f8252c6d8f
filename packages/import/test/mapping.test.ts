import { describe, expect, it } from "vitest";
import { defineAttributes } from "@kaartenbak/core";
import { columnOf, mapRecord, type MapContext } from "../src/map-row.js";
import { mappingIssues, type ImportMapping } from "../src/mapping.js";
import { googleMapping, outlookMapping } from "../src/index.js";

const registry = defineAttributes({ version: 1, attributes: { omzet: { type: "number" }, branche: { type: "enum", values: ["retail", "horeca"] } } });
const ctx = (mapping: ImportMapping, fileName: string | undefined = "f.csv"): MapContext => ({ mapping, registry, fileName, rowKeySystem: "import" });
const rec = (fields: Record<string, string>, row = 2) => ({ row, fields });

describe("mapping a row", () => {
  const mapping: ImportMapping = {
    columns: {
      Naam: { to: "field", field: "name" },
      Soort: { to: "field", field: "kind" },
      Fase: { to: "field", field: "lifecycle" },
      Mail: { to: "email", labelColumn: ["Mail label", "Mail type"] },
      Land: { to: "address", part: "country" },
      Branche: { to: "attribute", name: "branche" },
      Tags: { to: "tags" },
    },
    tags: ["bron:beurs"],
  };

  it("reads Dutch kinds and lifecycles, labels from the first label column with a value, enums case-insensitively and tag lists", () => {
    const out = mapRecord(
      rec({
        Naam: "Zoet BV",
        Soort: "Organisatie",
        Fase: "Klant",
        Mail: "a@x.example ::: b@x.example",
        "Mail label": "",
        "Mail type": "* Work",
        Land: "Nederland",
        Branche: "Horeca",
        Tags: "a; b,c | d ::: e",
      }),
      ctx(mapping),
    );
    expect(out.kind).toBe("row");
    if (out.kind !== "row") return;
    expect(out.row.input).toEqual({
      kind: "organisation",
      name: "Zoet BV",
      lifecycle: "customer",
      emails: [
        { address: "a@x.example", label: "work" },
        { address: "b@x.example", label: "work" },
      ],
      addresses: [{ country: "NL" }],
      tags: ["bron:beurs", "a", "b", "c", "d", "e"],
      attributes: { branche: "horeca" },
      externalRefs: out.row.refs,
    });
    expect(columnOf(out.row, ["emails", 1, "address"])).toBe("Mail");
    expect(columnOf(out.row, ["addresses", 0, "country"])).toBe("Land");
    expect(columnOf(out.row, ["attributes", "branche"])).toBe("Branche");
    expect(columnOf(out.row, ["phones"])).toBeUndefined();
  });

  it("names every bad cell of a row, skips empty rows, and keys rows by file name and identity", () => {
    const bad = mapRecord(rec({ Naam: "X", Soort: "dier", Land: "Atlantis", Branche: "bouw" }, 7), ctx(mapping));
    expect(bad).toEqual({
      kind: "invalid",
      problems: [
        { row: 7, column: "Land", message: expect.stringContaining("Atlantis"), code: "unknown_country" },
        { row: 7, column: "Branche", message: expect.stringContaining("retail, horeca"), code: "invalid_value" },
        { row: 7, column: "Soort", message: expect.stringContaining("dier"), code: "invalid_kind" },
      ],
    });
    expect(mapRecord(rec({ Naam: " ", Soort: "" }), ctx(mapping))).toEqual({ kind: "empty" });
    const key = (fields: Record<string, string>, file = "f.csv") => {
      const out = mapRecord(rec(fields), ctx(mapping, file));
      return out.kind === "row" ? out.row.refs[0]!.externalId : undefined;
    };
    expect(key({ Naam: "A", Mail: "a@x.example", Tags: "x" })).toBe(key({ Naam: "A", Mail: "A@X.example", Tags: "y" }));
    expect(key({ Naam: "A" })).not.toBe(key({ Naam: "B" }));
    expect(key({ Naam: "A" })).not.toBe(key({ Naam: "A" }, "g.csv"));
    expect(mapRecord(rec({ Naam: "A" }), { ...ctx(mapping), fileName: undefined })).toMatchObject({ kind: "invalid", problems: [{ code: "no_row_key" }] });
  });

  it("turns an Outlook company card into an organisation, and a person's company into an employer", () => {
    const card = mapRecord(rec({ Company: "Globex Ltd", "Business Phone": "+44 20 7946 0000" }), ctx(outlookMapping));
    expect(card).toMatchObject({ kind: "row", row: { input: { kind: "organisation", name: "Globex Ltd" } } });
    const person = mapRecord(rec({ "First Name": "Ann", Company: "Globex Ltd", "Job Title": "CEO" }), ctx(outlookMapping));
    expect(person).toMatchObject({ kind: "row", row: { input: { kind: "person", givenName: "Ann" }, employer: { name: "Globex Ltd", jobTitle: "CEO" } } });
    const old = mapRecord(
      rec({
        Name: "Ann Ek",
        "Given Name": "Ann",
        "Family Name": "Ek",
        "E-mail 1 - Type": "* Home",
        "E-mail 1 - Value": "ann@x.example",
        "Group Membership": "* myContacts ::: Vrienden",
      }),
      ctx(googleMapping),
    );
    expect(old).toMatchObject({ kind: "row", row: { input: { name: "Ann Ek", emails: [{ address: "ann@x.example", label: "home" }], tags: ["Vrienden"] } } });
  });

  it("checks a mapping against the header and the registry, naming every problem", () => {
    const issues = mappingIssues(
      {
        columns: {
          Missing: { to: "email" },
          A: { to: "field", field: "nickname" as "name" },
          B: { to: "address", part: "planet" as "city" },
          C: { to: "attribute", name: "nope" },
          D: { to: "jobTitle" },
          E: { to: "externalRef", system: "" },
        },
        rowKey: ["Z"],
      },
      ["A", "B", "C", "D", "E"],
      registry,
    );
    expect(issues.map((i) => i.code)).toEqual([
      "missing_column",
      "invalid_target",
      "invalid_target",
      "unknown_attribute",
      "invalid_system",
      "job_title_without_organisation",
      "missing_column",
    ]);
    expect(mappingIssues({ columns: { A: { to: "attribute", name: "omzet" } } }, ["A"], undefined).map((i) => i.code)).toEqual(["missing_registry"]);
  });
});
