import { describe, expect, it } from "vitest";
import { csvRecord, parseCsv } from "../src/csv.js";
import { canMoveMember } from "../src/model/campaign.js";
import { contactBlock, deriveConsent, type ConsentEntry, type SuppressionEntry } from "../src/model/consent.js";

const entry = (id: string, occurredAt: string, action: ConsentEntry["action"], purpose = "newsletter"): ConsentEntry => ({
  id,
  relationId: "r",
  channel: "email",
  purpose,
  action,
  legalBasis: action === "opt_in" ? "consent" : null,
  source: "t",
  note: null,
  occurredAt,
  recordedAt: occurredAt,
  actor: "a",
});
const suppression = (id: string, occurredAt: string, action: SuppressionEntry["action"], channel: SuppressionEntry["channel"] = "all"): SuppressionEntry => ({
  id,
  relationId: "r",
  channel,
  action,
  reason: "bounced",
  source: "t",
  occurredAt,
  recordedAt: occurredAt,
  actor: "a",
});

describe("consent derivation", () => {
  it("lets the latest entry (by time, then id) decide, whatever order entries were recorded in", () => {
    const entries = [
      entry("b", "2026-01-02T00:00:00.000Z", "opt_out"),
      entry("a", "2026-01-01T00:00:00.000Z", "opt_in"),
      entry("c", "2026-01-02T00:00:00.000Z", "opt_in"),
    ];
    const state = deriveConsent("r", entries, []);
    expect(state.consents).toEqual([expect.objectContaining({ status: "opted_in", entryId: "c" })]);
    expect(contactBlock(state, "email", "newsletter")).toBeNull();
    expect(contactBlock(state, "email", "marketing")).toBe("no_consent");
    expect(contactBlock(deriveConsent("r", entries.slice(0, 2), []), "email", "newsletter")).toBe("opted_out");
  });

  it("suppression of a channel or of all channels wins over consent until lifted", () => {
    const entries = [entry("a", "2026-01-01T00:00:00.000Z", "opt_in")];
    expect(contactBlock(deriveConsent("r", entries, [suppression("s", "2026-01-05T00:00:00.000Z", "suppress", "email")]), "email", "newsletter")).toBe(
      "suppressed",
    );
    expect(contactBlock(deriveConsent("r", entries, [suppression("s", "2026-01-05T00:00:00.000Z", "suppress", "sms")]), "email", "newsletter")).toBeNull();
    const lifted = [suppression("s", "2026-01-05T00:00:00.000Z", "suppress"), suppression("t", "2026-01-06T00:00:00.000Z", "lift")];
    expect(contactBlock(deriveConsent("r", entries, lifted), "email", "newsletter")).toBeNull();
  });
});

describe("campaign members", () => {
  it("move forward only; bounced and opted-out are ends", () => {
    expect(canMoveMember("targeted", "clicked")).toBe(true);
    expect(canMoveMember("clicked", "opened")).toBe(false);
    expect(canMoveMember("clicked", "clicked")).toBe(false);
    expect(canMoveMember("sent", "bounced")).toBe(true);
    expect(canMoveMember("opened", "bounced")).toBe(false);
    expect(canMoveMember("converted", "opted_out")).toBe(true);
    expect(canMoveMember("opted_out", "responded")).toBe(false);
    expect(canMoveMember("excluded", "sent")).toBe(false);
  });
});

describe("RFC 4180 CSV", () => {
  it("quotes only what needs quoting and round-trips every value", () => {
    const values = ["plain", "a,b", 'say "hi"', "two\r\nlines", "", "=1+1", "ünï 😀"];
    const text = csvRecord(values) + csvRecord([1, null]);
    // A would-be formula is kept as text behind an apostrophe (CSV injection), which parsing keeps.
    expect(text).toBe('plain,"a,b","say ""hi""","two\r\nlines",,\'=1+1,ünï 😀\r\n1,\r\n');
    expect(parseCsv(text)).toEqual([values.map((v) => (v === "=1+1" ? "'=1+1" : v)), ["1", ""]]);
  });
});
