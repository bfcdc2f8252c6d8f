import { describe, expect, it } from "vitest";
import { CLIENT_DATA_KEY } from "../src/index.js";
import { ENGINES, googleAndDb } from "./harness.js";
import { scenario } from "./scenario.js";

const person = (i: number) => ({
  names: [{ givenName: "Contact", familyName: String(i) }],
  emailAddresses: [{ value: `Contact${i}@Client.example`, type: "work" }],
  phoneNumbers: [{ value: i % 2 ? "+31 20 555 01" + String(i).padStart(2, "0") : "020 555 02" + String(i).padStart(2, "0"), type: "work" }],
  organizations: [{ name: i < 10 ? "Client BV" : "Other NV", title: "Buyer" }],
  addresses: [{ type: "work", streetAddress: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG", countryCode: "NL" }],
});

for (const engineName of ENGINES) {
  describe(`google contacts: ${engineName}`, () => {
    const shared = googleAndDb(engineName);

    it("initial sync maps persons, merges CONTACT and PROFILE sources, normalises phones; a no-change resync writes 0 rows", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, counts } = scenario(google, db);
      for (let i = 0; i < 20; i++) google.createContact(account.email, person(i));
      google.createContact(account.email, {
        names: [{ givenName: "Merel", familyName: "Merged" }],
        emailAddresses: [{ value: "merel@client.example" }],
        profile: {
          names: [{ givenName: "Merel", familyName: "Merged" }],
          emailAddresses: [{ value: "MEREL@client.example" }, { value: "merel.private@example.org" }],
        },
      });
      const report = await engine().run();
      expect(report.status).toBe("ok");
      const c = await counts();
      expect(c.kb_relations).toBe(21 + 2); // 21 persons + 2 organisations
      const c1 = (await tenant.relations.findByEmail("contact1@client.example"))[0]!;
      expect(c1).toMatchObject({ name: "Contact 1", givenName: "Contact", familyName: "1", phones: [{ number: "+31205550101", label: "business" }] });
      expect(c1.addresses).toEqual([{ label: "business", street: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG", country: "NL" }]);
      const c2 = (await tenant.relations.findByEmail("contact2@client.example"))[0]!;
      expect(c2.phones).toMatchObject([{ number: "+31205550202", label: "business" }]); // no canonicalForm: normalised with the default region
      const merged = await tenant.relations.findByEmail("merel@client.example");
      expect(merged).toHaveLength(1);
      expect(merged[0]!.emails.map((e) => e.address).sort()).toEqual(["merel.private@example.org", "merel@client.example"]);
      expect((await tenant.relations.findByEmail("merel.private@example.org"))[0]!.id).toBe(merged[0]!.id);

      const again = await engine().run();
      expect(again.status).toBe("ok");
      expect(await counts()).toEqual(c);
    });

    it("incremental: updates and deletions; an expired sync token runs a full pass that reconciles deletions", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, events, counts } = scenario(google, db);
      const names = Array.from({ length: 12 }, (_, i) => google.createContact(account.email, person(i)));
      await engine().run();
      google.updateContact(account.email, names[3]!, { names: [{ givenName: "Renamed", familyName: "Three" }] });
      google.deleteContact(account.email, names[4]!);
      await engine().run();
      expect((await tenant.relations.findByEmail("contact3@client.example"))[0]!.name).toBe("Renamed Three");
      expect(await tenant.relations.findByEmail("contact4@client.example")).toHaveLength(0);
      // A deletion made while the token expires is only seen by the full pass's reconciliation.
      google.deleteContact(account.email, names[5]!);
      google.expire(account.email);
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(events.some((e) => e.type === "full-pass" && e.cause === "cursor-expired")).toBe(true);
      expect(await tenant.relations.findByEmail("contact5@client.example")).toHaveLength(0);
      expect((await counts()).kb_sync_items).toBe(10);
    });

    it("two-way: local edits pushed with the etag, creates carry the CRM id in clientData, a stale etag is a conflict", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, events } = scenario(google, db, { pushCreates: () => true });
      const name = google.createContact(account.email, person(1));
      await engine().run();
      const local = (await tenant.relations.findByEmail("contact1@client.example"))[0]!;
      await tenant.relations.update(local.id, { name: "Contact Eén", givenName: "Contact", familyName: "Eén" }, { expectedVersion: local.version });
      const created = await tenant.relations.create({
        kind: "person",
        name: "Nieuw Persoon",
        givenName: "Nieuw",
        familyName: "Persoon",
        emails: ["nieuw@client.example"],
      });
      const r = await engine().run();
      expect(r.status).toBe("ok");
      expect(r.pushed).toBe(2);
      expect(google.contact(account.email, name)!.fields.names).toEqual([{ givenName: "Contact", familyName: "Eén" }]);
      const remoteNew = [...google.account(account.email).contacts.values()].find((c) => JSON.stringify(c.fields.clientData ?? []).includes(created.id))!;
      expect(remoteNew.fields.clientData).toEqual([{ key: CLIENT_DATA_KEY, value: created.id }]);
      const countBefore = google.account(account.email).contacts.size;
      expect((await engine().run()).pushed).toBe(0);
      expect(google.account(account.email).contacts.size).toBe(countBefore);

      // Both sides change: the push meets a stale etag (400 FAILED_PRECONDITION) → remote wins by default.
      const now = (await tenant.relations.get(local.id))!;
      await tenant.relations.update(local.id, { name: "Local Edit" }, { expectedVersion: now.version });
      google.updateContact(account.email, name, { names: [{ givenName: "Remote", familyName: "Edit" }] });
      await engine().run();
      expect(events.some((e) => e.type === "conflict" && e.resolution === "remote")).toBe(true);
      expect((await tenant.relations.get(local.id))!.name).toBe("Remote Edit");
      // local-wins pushes again over the remote version.
      const again = (await tenant.relations.get(local.id))!;
      await tenant.relations.update(local.id, { name: "Mine Ours", givenName: "Mine", familyName: "Ours" }, { expectedVersion: again.version });
      google.updateContact(account.email, name, { names: [{ givenName: "Theirs", familyName: "X" }] });
      await engine({ conflictPolicy: "local-wins" }).run();
      expect(google.contact(account.email, name)!.fields.names).toEqual([{ givenName: "Mine", familyName: "Ours" }]);
      expect(events.some((e) => e.type === "conflict" && e.resolution === "local")).toBe(true);
    });

    it("a display name edited apart from its parts: Google's parse of the pushed unstructuredName comes back into the CRM", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, events, counts } = scenario(google, db, {}, { mail: false, calendar: false });
      const name = google.createContact(account.email, { names: [{ givenName: "Ann", familyName: "Old" }], emailAddresses: [{ value: "ann@client.example" }] });
      await engine().run();
      const ann = (await tenant.relations.findByExternalRef("google", name))!;
      // Two pushes without a pull between them: the second must still send the etag the first got back.
      const first = await tenant.relations.update(ann.id, { name: "Annie Oud" }, { expectedVersion: ann.version });
      expect((await engine().run({ maxPages: 0 })).pushed).toBe(1);
      await tenant.relations.update(ann.id, { name: "Annie van Dijk" }, { expectedVersion: first.version });
      expect((await engine().run({ maxPages: 0 })).pushed).toBe(1);
      expect(events.filter((e) => e.type === "conflict")).toEqual([]);
      expect(google.contact(account.email, name)!.fields.names).toEqual([{ unstructuredName: "Annie van Dijk", givenName: "Annie van", familyName: "Dijk" }]);
      // The pull reads Google's parse back; a quiet run afterwards writes nothing.
      expect((await engine().run()).status).toBe("ok");
      const now = (await tenant.relations.get(ann.id))!;
      expect([now.name, now.givenName, now.familyName]).toEqual(["Annie van Dijk", "Annie van", "Dijk"]);
      const settled = await counts();
      const quiet = await engine().run();
      expect(quiet.pushed).toBe(0);
      expect(await counts()).toEqual(settled);
      // A remote edit after the push is still a conflict (the etag check holds).
      await tenant.relations.update(ann.id, { name: "Annie Lokaal" }, { expectedVersion: now.version });
      google.updateContact(account.email, name, { names: [{ givenName: "Annie", familyName: "Remote" }] });
      await engine().run();
      expect(events.some((e) => e.type === "conflict" && e.resolution === "remote")).toBe(true);
      expect((await tenant.relations.get(ann.id))!.name).toBe("Annie Remote");
    });

    it("pushes whose answer is lost after Google applied them (connection dropped) are retried without doubles", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, events } = scenario(google, db, { pushCreates: () => true }, { mail: false, calendar: false });
      const existing = google.createContact(account.email, {
        names: [{ givenName: "Ed", familyName: "Edit" }],
        emailAddresses: [{ value: "ed@client.example" }],
      });
      await engine().run();
      const ed = (await tenant.relations.findByExternalRef("google", existing))!;
      await tenant.relations.update(ed.id, { name: "Eddy Edit", givenName: "Eddy" }, { expectedVersion: ed.version });
      const created = await tenant.relations.create({
        kind: "person",
        name: "Lost Answer",
        givenName: "Lost",
        familyName: "Answer",
        emails: ["lost@client.example"],
      });
      google.faults.add({ fault: "dropAfter", path: /:createContact$/ });
      google.faults.add({ fault: "dropAfter", path: /:updateContact$/ });
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(google.requests.filter((r) => r.status === 0)).toHaveLength(2);
      // One contact carries the new relation's id, and the update reached Google once.
      const live = [...google.account(account.email).contacts.values()].filter((c) => !c.deleted);
      expect(live.filter((c) => JSON.stringify(c.fields.clientData ?? []).includes(created.id))).toHaveLength(1);
      expect(live).toHaveLength(2);
      expect(google.contact(account.email, existing)!.fields.names).toEqual([{ givenName: "Eddy", familyName: "Edit" }]);
      const pushedCreate = (await tenant.relations.get(created.id))!;
      expect(pushedCreate.externalRefs.filter((r) => r.system === "google")).toHaveLength(1);
      expect((await tenant.relations.get(ed.id))!.name).toBe("Eddy Edit");
      expect(events.filter((e) => e.type === "retry").length).toBeGreaterThanOrEqual(2);
    });

    it("a create whose mapping was lost finds its contact by clientData instead of making a double", async () => {
      const { google, db } = shared;
      const { account, tenant, engine } = scenario(google, db, { pushCreates: () => true });
      await engine().run();
      const created = await tenant.relations.create({ kind: "person", name: "Once Only", emails: ["once@client.example"] });
      // The remote create happened, then the process died before the CRM stored the mapping.
      google.createContact(account.email, {
        names: [{ givenName: "Once Only" }],
        emailAddresses: [{ value: "once@client.example" }],
        clientData: [{ key: CLIENT_DATA_KEY, value: created.id }],
      });
      await engine().run();
      const remote = [...google.account(account.email).contacts.values()].filter((c) => !c.deleted);
      expect(remote).toHaveLength(1);
      expect((await tenant.relations.findByEmail("once@client.example")).map((r) => r.id)).toEqual([created.id]);
    });
  });
}
