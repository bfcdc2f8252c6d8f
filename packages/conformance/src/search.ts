import { describe, expect, it } from "vitest";
import type { TenantCrm } from "@kaartenbak/core";
import { expectCrmError, type SuiteContext, type SuiteWorld } from "./harness.js";
import { searchPropertiesSuite } from "./search-properties.js";

/**
 * Full-text search: what is found (any part of the name, e-mail and domain, phone digits,
 * organisation, city, tag; subjects and bodies), how (case- and accent-insensitive, ranked), and
 * that the index is never behind a write: updates, deletes, links, bulk imports and erasure show
 * at once. Everything is checked through the SDK; erasure also through the raw side channel.
 */

const names = async (t: TenantCrm, text: string, options?: Parameters<TenantCrm["relations"]["search"]>[1]) =>
  (await t.relations.search(text, options)).items.map((h) => h.item.name);
const subjects = async (t: TenantCrm, text: string, options?: Parameters<TenantCrm["interactions"]["search"]>[1]) =>
  (await t.interactions.search(text, options)).items.map((h) => h.item.subject);

/** A small tenant: an organisation, two people working there, and one elsewhere. */
async function people(w: SuiteWorld) {
  const { t } = w;
  const acme = await t.relations.create({ kind: "organisation", name: "Globex Holding", emails: ["info@holding.example"] });
  const anna = await t.relations.create({
    kind: "person",
    givenName: "Anna",
    familyName: "de Vries",
    emails: ["a.devries@acme-bouw.nl"],
    phones: ["+31 6 1234 5678"],
    addresses: [{ city: "Utrecht", postalCode: "3512 AB" }],
    tags: ["vip"],
  });
  const jose = await t.relations.create({
    kind: "person",
    givenName: "José",
    familyName: "Núñez",
    emails: ["jose@example.org"],
    addresses: [{ city: "Zürich" }],
  });
  const bob = await t.relations.create({ kind: "person", givenName: "Bob", familyName: "Vriesema", tags: ["supplier"] });
  await t.links.create({ kind: "employment", personId: jose.id, organisationId: acme.id });
  return { acme, anna, jose, bob };
}

export function searchSuite(ctx: SuiteContext): void {
  describe("search", () => {
    it("finds relations by any part of the name, e-mail and its domain, phone digits, organisation, city, postcode and tag", async () => {
      const w = ctx.world();
      await people(w);
      expect(await names(w.t, "de vr")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "de vries")).toEqual(["Anna de Vries"]);
      expect((await names(w.t, "vri")).sort()).toEqual(["Anna de Vries", "Bob Vriesema"]);
      expect(await names(w.t, "acme-bouw.nl")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "devries")).toEqual(["Anna de Vries"]);
      for (const digits of ["612345678", "0612345678", "+31 6 1234 5678", "06-12345678", "12345678"])
        expect(await names(w.t, digits), digits).toEqual(["Anna de Vries"]);
      expect((await names(w.t, "globex")).sort()).toEqual(["Globex Holding", "José Núñez"]);
      expect(await names(w.t, "utrecht")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "3512ab")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "vip")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "anna vip utrecht")).toEqual(["Anna de Vries"]);
      expect(await names(w.t, "anna supplier")).toEqual([]);
    });

    it("ignores case and accents on both sides", async () => {
      const w = ctx.world();
      await people(w);
      await w.t.relations.create({ kind: "organisation", name: "CAFÉ ÆRØ" });
      expect(await names(w.t, "jose")).toEqual(["José Núñez"]);
      expect(await names(w.t, "JOSÉ NUÑEZ")).toEqual(["José Núñez"]);
      expect(await names(w.t, "zurich")).toEqual(["José Núñez"]);
      expect(await names(w.t, "cafe aero")).toEqual(["CAFÉ ÆRØ"]);
    });

    it("finds contact moments by subject and body, a subject match first; updates and deletes show at once", async () => {
      const w = ctx.world();
      const { anna } = await people(w);
      const log = (subject: string, body: string | null) =>
        w.t.interactions.log({ kind: "note", occurredAt: "2026-03-01T10:00:00Z", relationIds: [anna.id], subject, body });
      const mention = (await log("Weekly call", "We talked about the offerte for the new roof and more besides")).interaction;
      const titled = (await log("Offerte dakwerk", "Sent")).interaction;
      await log("Lunch", "Nothing about it");
      expect(await subjects(w.t, "offerte")).toEqual(["Offerte dakwerk", "Weekly call"]);
      expect(await subjects(w.t, "roof")).toEqual(["Weekly call"]);
      const changed = await w.t.interactions.update(mention.id, { body: "Only the garden" }, { expectedVersion: mention.version });
      expect(await subjects(w.t, "roof")).toEqual([]);
      expect(await subjects(w.t, "garden")).toEqual(["Weekly call"]);
      await w.t.interactions.delete(titled.id, { expectedVersion: titled.version });
      expect(await subjects(w.t, "offerte")).toEqual([]);
      expect(changed.version).toBe(2);
    });

    it("ranks a name match above a match in an e-mail address, organisation or tag", async () => {
      const w = ctx.world();
      await w.t.relations.create({ kind: "person", givenName: "Piet", familyName: "Smit", tags: ["jansen"] });
      await w.t.relations.create({ kind: "person", givenName: "Kees", familyName: "Jansen" });
      const page = await w.t.relations.search("jansen");
      expect(page.items.map((h) => h.item.name)).toEqual(["Kees Jansen", "Piet Smit"]);
      expect(page.items[0]!.score).toBeGreaterThan(page.items[1]!.score);
    });

    it("keeps the index in step with updates, deletes, restores, links and organisation renames", async () => {
      const w = ctx.world();
      const { acme, anna, jose } = await people(w);
      const renamed = await w.t.relations.update(anna.id, { familyName: "Bakker", name: "Anna Bakker" }, { expectedVersion: anna.version });
      expect(await names(w.t, "de vries")).toEqual([]);
      expect(await names(w.t, "bakker")).toEqual(["Anna Bakker"]);
      const deleted = await w.t.relations.delete(renamed.id, { expectedVersion: renamed.version });
      expect(await names(w.t, "anna")).toEqual([]);
      await w.t.relations.restore(deleted.id, { expectedVersion: deleted.version });
      expect(await names(w.t, "anna")).toEqual(["Anna Bakker"]);
      await w.t.relations.update(acme.id, { name: "Initech" }, { expectedVersion: acme.version });
      expect(await names(w.t, "globex")).toEqual([]);
      expect((await names(w.t, "initech")).sort()).toEqual(["Initech", "José Núñez"]);
      const [link] = await w.t.links.list(jose.id);
      await w.t.links.remove(link!.id, { expectedVersion: link!.version });
      expect(await names(w.t, "initech")).toEqual(["Initech"]);
    });

    it("indexes bulk imports, and never shows another tenant's relations", async () => {
      const w = ctx.world();
      const other = ctx.world();
      await people(other);
      await w.t.bulk.upsertRelations(
        Array.from({ length: 30 }, (_, i) => ({
          kind: "person" as const,
          givenName: `Gerrit${i}`,
          familyName: "Zwart",
          externalRefs: [{ system: "erp", externalId: `Z-${i}` }],
        })),
      );
      const host = await w.t.relations.create({ kind: "organisation", name: "Host" });
      await w.t.bulk.logInteractions([
        { kind: "note", occurredAt: "2026-01-01T00:00:00Z", relationIds: [host.id], subject: "Imported minutes", body: "zwart" },
      ]);
      expect((await names(w.t, "zwart", { limit: 100 })).length).toBe(30);
      expect(await subjects(w.t, "minutes")).toEqual(["Imported minutes"]);
      expect(await names(w.t, "anna")).toEqual([]);
      expect(await names(other.t, "zwart")).toEqual([]);
    });

    it("pages with a cursor: every match once, in rank order, the last page without a cursor", async () => {
      const w = ctx.world();
      for (let i = 0; i < 7; i++) await w.t.relations.create({ kind: "organisation", name: `Pagina ${i}` });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let round = 0; round < 5; round++) {
        const page = await w.t.relations.search("pagina", { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((h) => h.item.name));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `Pagina ${i}`));
    });

    it("stems English (and Dutch where the engine can); without a language every word is a prefix", async () => {
      const w = ctx.world();
      const { anna } = await people(w);
      await w.t.interactions.log({
        kind: "note",
        occurredAt: "2026-03-01T10:00:00Z",
        relationIds: [anna.id],
        subject: "Running late",
        body: "Het boek ligt klaar",
      });
      expect(await subjects(w.t, "runs")).toEqual([]);
      expect(await subjects(w.t, "runs", { language: "english" })).toEqual(["Running late"]);
      expect(await subjects(w.t, "runn")).toEqual(["Running late"]);
      const dutch = w.storage.capabilities.searchStemming?.includes("dutch") === true;
      expect(await subjects(w.t, "boek", { language: "dutch" })).toEqual(["Running late"]);
      // "boeken" is no prefix of "boek": only a Dutch stemmer (Postgres; SQLite has none) makes them one word.
      expect(await subjects(w.t, "boeken", { language: "dutch" })).toEqual(dutch ? ["Running late"] : []);
      expect(await subjects(w.t, "boeken")).toEqual([]);
    });

    it("refuses bad input with one VALIDATION naming every problem", async () => {
      const w = ctx.world();
      const error = await expectCrmError(w.t.relations.search("  ", { limit: 0, cursor: "nope", language: "french" as never }), "VALIDATION");
      expect(error.issues.map((i) => i.path.join("."))).toEqual(["query", "limit", "cursor", "language"]);
      await expectCrmError(w.t.interactions.search("x".repeat(201)), "VALIDATION");
      await expectCrmError(w.t.interactions.search("ok", { extra: 1 } as never), "VALIDATION");
      // The name-prefix form is still there, with its own rules.
      expect((await w.t.relations.search({ namePrefix: "x" })).length).toBe(0);
    });

    it("after erasure, the person's name, e-mail and phone are neither findable nor in the search tables", async () => {
      const w = ctx.world();
      const { anna } = await people(w);
      await w.t.interactions.log({
        kind: "call",
        occurredAt: "2026-03-01T10:00:00Z",
        relationIds: [anna.id],
        subject: "Call with Anna de Vries",
        body: "Anna asked to call back on +31 6 1234 5678",
      });
      await w.t.privacy.erase(anna.id);
      for (const q of ["anna", "a.devries", "acme-bouw.nl", "612345678", "utrecht", "vip"]) expect(await names(w.t, q), q).toEqual([]);
      expect(await subjects(w.t, "anna")).toEqual([]);
      expect(await subjects(w.t, "call")).toEqual(["Call with [erased]"]);
      const documents = JSON.stringify(await w.rows("kb_search_documents")).toLowerCase();
      for (const trace of ["anna", "devries", "acme", "612345678", "utrecht"]) expect(documents, trace).not.toContain(trace);
    });

    searchPropertiesSuite(ctx);
  });
}
