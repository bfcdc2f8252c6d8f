import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteAdapter } from "@kaartenbak/adapter-sqlite";
import { startFakeGraph } from "@kaartenbak/connector-outlook/testing";
import { runDemo, seedFake } from "../src/demo.js";

describe("outlook contact sync example", () => {
  it("syncs the fake mailbox, changes a contact on each side, and reports both directions", async () => {
    const storage = sqliteAdapter({ database: new Database(":memory:") });
    await storage.migrate();
    const graph = await startFakeGraph();
    const mb = graph.mailboxes.addMailbox("demo@kaartenbak.example");
    seedFake(graph, mb.address, 30, 40);
    const lines: string[] = [];
    await runDemo(storage, { kind: "fake", graph, address: mb.address, token: mb.token }, (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toMatch(/Done in [\d.]+ s: \d+ records created, status ok/);
    expect(out).toMatch(/pushed update of .+ to Outlook contact/);
    expect(out).toContain('CRM now has "Contact 2 (renamed in Outlook)"');
    expect(out).toMatch(/contacts\s+incremental/);
    const pushed = graph.mailboxes.contacts(mb.address).find((c) => c.data.mobilePhone === "+31612345678");
    expect(pushed?.data.displayName).toMatch(/^Contact 1/);
    await graph.close();
    await storage.close();
  });
});
