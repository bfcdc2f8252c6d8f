import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCrmError, type CrmError } from "@kaartenbak/core";
import { expectCrmError, json, num, type KbTable, type RawRow, type SuiteContext, type SuiteWorld } from "./harness.js";

/**
 * The text rule (docs/design.md, "Text"): every string the SDK stores is well-formed Unicode without
 * U+0000, or the command is refused with VALIDATION naming the field. What is accepted is stored
 * exactly as returned and as the outbox event says, on every engine.
 */

const RUNS = Number(process.env.KAARTENBAK_PROPERTY_RUNS ?? 25);

/** The rule, restated independently of core: no lone surrogate (in `u` mode a pair is one code point, not Cs), no NUL. */
const breaksRule = (s: string) => s.includes("\u0000") || /\p{Cs}/u.test(s);

/** Pieces that break naive text handling: NUL, both halves of surrogates alone, bidi overrides, joiners, BOM, noncharacters. */
const FRAGMENTS = [
  "\u0000",
  "\uD800",
  "\uDBFF",
  "\uDC00",
  "\uDFFF",
  "\uD83D",
  "\uDE00",
  "😀",
  "👩‍👩‍👧",
  "🇳🇱",
  "\u202E",
  "\u202D",
  "\u200F",
  "\u200B",
  "\uFEFF",
  "\uFFFD",
  "\uFFFF",
  "e\u0301",
  "日本",
  "Zoë",
  "O'Brien",
  "%_\\",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\u00A0",
  "\u2028",
  "\u0001",
  "\u007F",
];

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** Arbitrary strings, often hostile: fragments glued together, or emoji text cut at a random UTF-16 unit (a truncating sync source). */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join("")) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.array(fc.constantFrom("😀", "Café", "👩‍👩‍👧", " ", "𝄞"), { minLength: 1, maxLength: 6 }), fc.nat()).map(([parts, cut]) => {
      const whole = parts.join("");
      return whole.slice(0, 1 + (cut % whole.length));
    }),
  },
);

/** What every target's command can lean on: existing relations, a pipeline, a segment, and a counter for unique codes. */
interface Fixture {
  readonly org: string;
  readonly person: string;
  readonly pipelineId: string;
  readonly segmentId: string;
  next(): number;
}

async function fixture(w: SuiteWorld): Promise<Fixture> {
  const org = await w.t.relations.create({ kind: "organisation", name: "Tekst BV" });
  const person = await w.t.relations.create({ kind: "person", name: "Tekst Persoon" });
  const pipeline = await w.t.pipelines.create({
    name: "Tekst",
    stages: [
      { name: "Open", probability: 50 },
      { name: "Won", kind: "won" },
      { name: "Lost", kind: "lost" },
    ],
  });
  const segment = await w.t.segments.create({ kind: "static", name: "Tekst" });
  let n = 0;
  return { org: org.id, person: person.id, pipelineId: pipeline.id, segmentId: segment.id, next: () => ++n };
}

/** An entity written by a target's setup. */
interface Prepared {
  readonly id: string;
  readonly version: number;
}

/** One field (or option) that stores text, and how to write and read it. */
interface Target {
  readonly name: string;
  /** The path every VALIDATION issue must name when the text is refused. */
  readonly path: readonly (string | number)[];
  /** The value the SDK must return for accepted text (names and labels are trimmed); default the text itself. */
  readonly expected?: (s: string) => unknown;
  /** Writes what the command needs beforehand (not counted as the command's writes): an entity to change. */
  readonly setup?: (w: SuiteWorld, fx: Fixture) => Promise<Prepared>;
  /** Runs the command with `s` in the field; the id the outbox event carries and the field as the SDK returned it. */
  readonly run: (w: SuiteWorld, fx: Fixture, s: string, prepared: Prepared) => Promise<{ id: string; value: unknown }>;
  /** The field as stored, read through the raw side channel. */
  readonly stored: (w: SuiteWorld, id: string) => Promise<unknown>;
  /** The field in the command's outbox row (default: read from the payload by `field`). */
  readonly event: (row: RawRow) => unknown;
}

const trim = (s: string) => s.trim();
const one = async (w: SuiteWorld, table: KbTable, where: Record<string, string | number>) => {
  const rows = await w.rows(table, where);
  expect(rows, `${table} rows for ${JSON.stringify(where)}`).toHaveLength(1);
  return rows[0]!;
};
const column = (table: KbTable, key: string, col: string) => async (w: SuiteWorld, id: string) => (await one(w, table, { [key]: id }))[col];
const payload = (read: (p: Record<string, unknown>) => unknown) => (row: RawRow) => read(json(row.payload) as Record<string, unknown>);
const field = (name: string) => payload((p) => p[name]);
type Obj = Record<string, unknown>;
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, key) => (v === null || v === undefined ? undefined : (v as Obj)[key as string]), value);

/** Every command of the SDK that stores text, one field at a time. */
const TARGETS: readonly Target[] = [
  {
    name: "relations.create name",
    path: ["name"],
    expected: trim,
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: s });
      return { id: r.id, value: r.name };
    },
    stored: column("kb_relations", "id", "name"),
    event: field("name"),
  },
  {
    name: "relations.create givenName",
    path: ["givenName"],
    expected: trim,
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "person", name: "P", givenName: s });
      return { id: r.id, value: r.givenName };
    },
    stored: column("kb_relations", "id", "given_name"),
    event: field("givenName"),
  },
  {
    name: "relations.create tags",
    path: ["tags", 0],
    expected: (s) => [s.trim()],
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "T", tags: [s] });
      return { id: r.id, value: r.tags };
    },
    stored: async (w, id) => (await w.rows("kb_relation_tags", { relation_id: id })).map((row) => row.tag),
    event: field("tags"),
  },
  {
    name: "relations.create addresses city",
    path: ["addresses", 0, "city"],
    expected: trim,
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "A", addresses: [{ street: "Kade", city: s }] });
      return { id: r.id, value: r.addresses[0]?.city };
    },
    stored: async (w, id) => at(json((await one(w, "kb_relations", { id })).addresses), 0, "city"),
    event: payload((p) => at(p, "addresses", 0, "city")),
  },
  {
    name: "relations.create e-mail label",
    path: ["emails", 0, "label"],
    expected: trim,
    run: async (w, fx, s) => {
      const r = await w.t.relations.create({ kind: "person", name: "E", emails: [{ address: `e${fx.next()}@example.nl`, label: s }] });
      return { id: r.id, value: r.emails[0]?.label };
    },
    stored: column("kb_relation_emails", "relation_id", "label"),
    event: payload((p) => at(p, "emails", 0, "label")),
  },
  {
    name: "relations.create e-mail address",
    path: ["emails", 0, "address"],
    expected: (s) => `${s}@example.nl`.trim().toLowerCase(),
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "person", name: "E", emails: [`${s}@example.nl`] });
      return { id: r.id, value: r.emails[0]?.address };
    },
    stored: column("kb_relation_emails", "relation_id", "email"),
    event: payload((p) => at(p, "emails", 0, "address")),
  },
  {
    name: "relations.create phone label",
    path: ["phones", 0, "label"],
    expected: trim,
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "person", name: "T", phones: [{ number: "020 123 4567", label: s }] });
      return { id: r.id, value: r.phones[0]?.label };
    },
    stored: column("kb_relation_phones", "relation_id", "label"),
    event: payload((p) => at(p, "phones", 0, "label")),
  },
  {
    name: "relations.create string attribute",
    path: ["attributes", "vatNumber"],
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "V", attributes: { vatNumber: s } });
      return { id: r.id, value: r.attributes.vatNumber };
    },
    stored: async (w, id) => at(json((await one(w, "kb_relations", { id })).attributes), "vatNumber"),
    event: payload((p) => at(p, "attributes", "vatNumber")),
  },
  {
    name: "relations.create external reference",
    path: ["externalRefs", 0, "externalId"],
    run: async (w, fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "X", externalRefs: [{ system: `erp${fx.next()}`, externalId: s }] });
      return { id: r.id, value: r.externalRefs[0]?.externalId };
    },
    stored: column("kb_relation_refs", "relation_id", "external_id"),
    event: payload((p) => at(p, "externalRefs", 0, "externalId")),
  },
  {
    name: "relations.update name",
    path: ["name"],
    expected: trim,
    setup: (w) => w.t.relations.create({ kind: "organisation", name: "Before" }),
    run: async (w, _fx, s, r) => {
      const u = await w.t.relations.update(r.id, { name: s }, { expectedVersion: r.version });
      return { id: u.id, value: u.name };
    },
    stored: column("kb_relations", "id", "name"),
    event: field("name"),
  },
  {
    name: "per-call actor",
    path: ["actor"],
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "Acted" }, { actor: s });
      return { id: r.id, value: (await w.t.history.list("relation", r.id))[0]?.actor };
    },
    stored: column("kb_history", "entity_id", "actor"),
    event: (row) => row.actor,
  },
  {
    name: "per-call source",
    path: ["source"],
    run: async (w, _fx, s) => {
      const r = await w.t.relations.create({ kind: "organisation", name: "Sourced" }, { source: s });
      return { id: r.id, value: (await w.t.history.list("relation", r.id))[0]?.source };
    },
    stored: column("kb_history", "entity_id", "source"),
    event: (row) => row.source,
  },
  {
    name: "tenant actor",
    path: ["actor"],
    run: async (w, _fx, s) => {
      const r = await w.crm.tenant(w.tenantId, { actor: s }).relations.create({ kind: "organisation", name: "Tenant actor" });
      return { id: r.id, value: (await w.t.history.list("relation", r.id))[0]?.actor };
    },
    stored: column("kb_history", "entity_id", "actor"),
    event: (row) => row.actor,
  },
  ...(["subject", "body", "outcome"] as const).map((name): Target => ({
    name: `interactions.log ${name}`,
    path: [name],
    run: async (w, fx, s) => {
      const { interaction } = await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T10:00:00Z", relationIds: [fx.org], [name]: s });
      return { id: interaction.id, value: interaction[name] };
    },
    stored: column("kb_interactions", "id", name),
    event: field(name),
  })),
  {
    name: "interactions.log channel",
    path: ["channel"],
    expected: trim,
    run: async (w, fx, s) => {
      const { interaction } = await w.t.interactions.log({ kind: "call", occurredAt: "2026-01-01T10:00:00Z", relationIds: [fx.org], channel: s });
      return { id: interaction.id, value: interaction.channel };
    },
    stored: column("kb_interactions", "id", "channel"),
    event: field("channel"),
  },
  {
    name: "interactions.log externalKey",
    path: ["externalKey"],
    run: async (w, fx, s) => {
      const { interaction } = await w.t.interactions.log({ kind: "email", occurredAt: "2026-01-01T10:00:00Z", relationIds: [fx.org], externalKey: s });
      return { id: interaction.id, value: interaction.externalKey };
    },
    stored: column("kb_interactions", "id", "external_key"),
    event: field("externalKey"),
  },
  ...(["name", "address"] as const).map((name): Target => ({
    name: `interactions.log participant ${name}`,
    path: ["participants", 0, name],
    expected: name === "name" ? trim : (s) => (s.trim().includes("@") ? s.trim().toLowerCase() : s.trim()),
    run: async (w, fx, s) => {
      const { interaction } = await w.t.interactions.log({
        kind: "meeting",
        occurredAt: "2026-01-01T10:00:00Z",
        participants: [{ role: "attendee", relationId: fx.person, [name]: s }],
      });
      return { id: interaction.id, value: interaction.participants[0]?.[name] };
    },
    stored: column("kb_interaction_participants", "interaction_id", name),
    event: payload((p) => at(p, "participants", 0, name)),
  })),
  ...(["title", "source"] as const).map((name): Target => ({
    name: `deals.create ${name}`,
    path: [name],
    expected: trim,
    run: async (w, fx, s) => {
      const d = await w.t.deals.create({ title: "Deal", relationId: fx.org, pipelineId: fx.pipelineId, currency: "EUR", [name]: s });
      return { id: d.id, value: d[name] };
    },
    stored: column("kb_deals", "id", name),
    event: field(name),
  })),
  {
    name: "products.create name",
    path: ["name"],
    expected: trim,
    run: async (w, fx, s) => {
      const p = await w.t.products.create({ code: `P-${fx.next()}`, name: s, unitPrice: 100, currency: "EUR" });
      return { id: p.id, value: p.name };
    },
    stored: column("kb_products", "id", "name"),
    event: field("name"),
  },
  {
    name: "products.create description",
    path: ["description"],
    run: async (w, fx, s) => {
      const p = await w.t.products.create({ code: `P-${fx.next()}`, name: "Product", description: s, unitPrice: 100, currency: "EUR" });
      return { id: p.id, value: p.description };
    },
    stored: column("kb_products", "id", "description"),
    event: field("description"),
  },
  ...(["title", "notes"] as const).map((name): Target => ({
    name: `quotes.create ${name}`,
    path: [name],
    ...(name === "title" ? { expected: trim } : {}),
    run: async (w, fx, s) => {
      const q = await w.t.quotes.create({ relationId: fx.org, currency: "EUR", [name]: s });
      return { id: q.id, value: q[name] };
    },
    stored: column("kb_quotes", "id", name),
    event: field(name),
  })),
  {
    name: "quotes.create line description",
    path: ["lines", 0, "description"],
    expected: trim,
    run: async (w, fx, s) => {
      const q = await w.t.quotes.create({ relationId: fx.org, currency: "EUR", lines: [{ description: s, quantity: 1, unitPrice: 100 }] });
      return { id: q.id, value: q.lines[0]?.description };
    },
    stored: column("kb_quote_lines", "quote_id", "description"),
    event: payload((p) => at(p, "lines", 0, "description")),
  },
  {
    name: "orders.record description",
    path: ["description"],
    run: async (w, fx, s) => {
      const { order } = await w.t.orders.record({ relationId: fx.org, orderDate: "2026-01-02", currency: "EUR", netAmount: 100, description: s });
      return { id: order.id, value: order.description };
    },
    stored: column("kb_orders", "id", "description"),
    event: field("description"),
  },
  {
    name: "orders.record external reference",
    path: ["externalRef", "externalId"],
    run: async (w, fx, s) => {
      const { order } = await w.t.orders.record({
        relationId: fx.org,
        orderDate: "2026-01-02",
        currency: "EUR",
        netAmount: 100,
        externalRef: { system: "erp", externalId: s },
      });
      return { id: order.id, value: order.externalRef?.externalId };
    },
    stored: column("kb_orders", "id", "external_id"),
    event: payload((p) => at(p, "externalRef", "externalId")),
  },
  {
    name: "pipelines.create name",
    path: ["name"],
    expected: trim,
    run: async (w, _fx, s) => {
      const p = await w.t.pipelines.create({
        name: s,
        stages: [
          { name: "Open", probability: 50 },
          { name: "Won", kind: "won" },
          { name: "Lost", kind: "lost" },
        ],
      });
      return { id: p.id, value: p.name };
    },
    stored: column("kb_pipelines", "id", "name"),
    event: field("name"),
  },
  {
    name: "pipelines.create stage name",
    path: ["stages", 0, "name"],
    expected: trim,
    run: async (w, _fx, s) => {
      const p = await w.t.pipelines.create({
        name: "Stages",
        stages: [
          { name: s, probability: 50 },
          { name: "Won", kind: "won" },
          { name: "Lost", kind: "lost" },
        ],
      });
      return { id: p.id, value: p.stages[0]?.name };
    },
    stored: async (w, id) => (await one(w, "kb_pipeline_stages", { pipeline_id: id, position: 0 })).name,
    event: payload((p) => at(p, "stages", 0, "name")),
  },
  {
    name: "lostReasons.define label",
    path: ["label"],
    expected: trim,
    run: async (w, fx, s) => {
      const r = await w.t.lostReasons.define({ code: `reason-${fx.next()}`, label: s });
      return { id: r.code, value: r.label };
    },
    stored: column("kb_lost_reasons", "code", "label"),
    event: field("label"),
  },
  ...(["name", "description"] as const).map((name): Target => ({
    name: `segments.create ${name}`,
    path: [name],
    ...(name === "name" ? { expected: trim } : {}),
    run: async (w, _fx, s) => {
      const seg = await w.t.segments.create({ kind: "static", name: "Segment", [name]: s });
      return { id: seg.id, value: seg[name] };
    },
    stored: column("kb_segments", "id", name),
    event: field(name),
  })),
  ...(["name", "description"] as const).map((name): Target => ({
    name: `campaigns.create ${name}`,
    path: [name],
    ...(name === "name" ? { expected: trim } : {}),
    run: async (w, fx, s) => {
      const c = await w.t.campaigns.create({ name: "Campaign", segmentId: fx.segmentId, channel: "email", purpose: "newsletter", [name]: s });
      return { id: c.id, value: c[name] };
    },
    stored: column("kb_campaigns", "id", name),
    event: field(name),
  })),
  ...(["note", "source"] as const).map((name): Target => ({
    name: `consent.record ${name}`,
    path: [name],
    ...(name === "source" ? { expected: trim } : {}),
    run: async (w, fx, s) => {
      const e = await w.t.consent.record({
        relationId: fx.person,
        channel: "email",
        purpose: "newsletter",
        action: "opt_in",
        legalBasis: "consent",
        [name]: s,
      });
      return { id: e.id, value: e[name] };
    },
    stored: column("kb_consent_ledger", "id", name),
    event: field(name),
  })),
  {
    name: "consent.suppress reason",
    path: ["reason"],
    expected: trim,
    run: async (w, fx, s) => {
      const e = await w.t.consent.suppress({ relationId: fx.person, channel: "email", reason: s });
      return { id: e.id, value: e.reason };
    },
    stored: column("kb_suppression_ledger", "id", "reason"),
    event: field("reason"),
  },
  ...(["role", "jobTitle"] as const).map((name): Target => ({
    name: `links.create ${name}`,
    path: [name],
    expected: trim,
    setup: (w) => w.t.relations.create({ kind: "person", name: "Employee" }),
    run: async (w, fx, s, person) => {
      const link = await w.t.links.create({ kind: "employment", personId: person.id, organisationId: fx.org, [name]: s });
      return { id: link.id, value: link.kind === "employment" ? link[name] : undefined };
    },
    stored: column("kb_links", "id", name === "role" ? "role" : "job_title"),
    event: field(name),
  })),
];

/** The outbox row of the last event about an entity. */
async function lastEvent(w: SuiteWorld, entityId: string): Promise<RawRow> {
  const rows = (await w.rows("kb_outbox", { entity_id: entityId })).sort((a, b) => num(a.sequence) - num(b.sequence));
  expect(rows.length, `outbox events of ${entityId}`).toBeGreaterThan(0);
  return rows[rows.length - 1]!;
}

/** Runs `fn` and returns the CrmError it rejects with, or undefined when it resolves. */
async function refusal<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: CrmError }> {
  try {
    return { value: await fn() };
  } catch (error) {
    if (!isCrmError(error)) throw error;
    return { error };
  }
}

/** A refusal must be VALIDATION naming only `paths`, say why for text that breaks the rule, and write nothing. */
function expectTextRefusal(error: CrmError, s: string, paths: ReadonlyArray<readonly (string | number)[]>): void {
  expect(error.code, error.message).toBe("VALIDATION");
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) expect(paths, `${error.message} (for ${JSON.stringify(s)})`).toContainEqual(issue.path);
  if (breaksRule(s)) expect(error.issues.map((i) => i.code)).toContain("invalid_text");
}

/** The conformance suite of the text rule: refuse what cannot be stored faithfully, store the rest exactly. */
export function textSuite(ctx: SuiteContext): void {
  describe("text", () => {
    for (const target of TARGETS) {
      it(`${target.name}: refused with VALIDATION at ${target.path.join(".")}, or returned = stored = outbox payload`, async () => {
        const w = ctx.world();
        const fx = await fixture(w);
        await fc.assert(
          fc.asyncProperty(text, async (s) => {
            const prepared = (await target.setup?.(w, fx)) ?? { id: "", version: 0 };
            const before = await w.counts();
            const { value, error } = await refusal(() => target.run(w, fx, s, prepared));
            if (error) {
              expectTextRefusal(error, s, [target.path]);
              expect(await w.counts()).toEqual(before);
              return;
            }
            expect(breaksRule(s), `accepted ${JSON.stringify(s)}`).toBe(false);
            const { id, value: returned } = value!;
            expect(returned).toEqual(target.expected ? target.expected(s) : s);
            expect(await target.stored(w, id)).toEqual(returned);
            expect(target.event(await lastEvent(w, id))).toEqual(returned);
          }),
          { numRuns: RUNS },
        );
      });
    }

    it("upsertByExternalRef: text that breaks the rule is refused; a replay of accepted text writes nothing", async () => {
      const w = ctx.world();
      await fc.assert(
        fc.asyncProperty(text, async (s) => {
          const ref = { system: "sync", externalId: s };
          const input = { kind: "organisation" as const, name: s, tags: ["sync"] };
          const before = await w.counts();
          const first = await refusal(() => w.t.relations.upsertByExternalRef(ref, input));
          if (first.error) {
            expectTextRefusal(first.error, s, [["externalId"], ["name"]]);
            expect(await w.counts()).toEqual(before);
            return;
          }
          expect(breaksRule(s)).toBe(false);
          const { relation } = first.value!;
          expect(relation.name).toBe(s.trim());
          expect(relation.externalRefs).toContainEqual(ref);
          expect((await one(w, "kb_relations", { id: relation.id })).name).toBe(relation.name);
          expect((await w.rows("kb_relation_refs", { relation_id: relation.id })).map((r) => [r.system, r.external_id])).toEqual([["sync", s]]);
          const afterFirst = await w.counts();
          const again = await w.t.relations.upsertByExternalRef(ref, input);
          expect(again.outcome).toBe("unchanged");
          expect(again.relation).toEqual(relation);
          expect(await w.counts()).toEqual(afterFirst);
        }),
        { numRuns: RUNS },
      );
    });

    it('refuses the name "Caf\\uD800" with VALIDATION at ["name"] and writes nothing', async () => {
      const w = ctx.world();
      const before = await w.counts();
      const error = await expectCrmError(w.t.relations.create({ kind: "organisation", name: "Caf\uD800" }), "VALIDATION");
      expect(error.issues).toEqual([{ path: ["name"], code: "invalid_text", message: expect.stringContaining("surrogate") }]);
      const upsert = await expectCrmError(
        w.t.relations.upsertByExternalRef({ system: "sync", externalId: "Caf\uD800" }, { kind: "organisation", name: "Caf\uD800" }),
        "VALIDATION",
      );
      expect(upsert.issues.map((i) => [i.path, i.code])).toEqual([[["externalId"], "invalid_text"]]);
      const nul = await expectCrmError(w.t.relations.create({ kind: "organisation", name: "Caf\u0000", tags: ["a\u0000b"] }), "VALIDATION");
      expect(nul.issues.map((i) => [i.path, i.code])).toEqual([
        [["name"], "invalid_text"],
        [["tags", 0], "invalid_text"],
      ]);
      expect(await w.counts()).toEqual(before);
      // Well-formed astral text is stored as it is, and a replay changes nothing.
      const ok = await w.t.relations.upsertByExternalRef({ system: "sync", externalId: "Caf\uD83D\uDE00" }, { kind: "organisation", name: "Caf\uD83D\uDE00" });
      expect(ok.relation.name).toBe("Caf😀");
      expect((await one(w, "kb_relations", { id: ok.relation.id })).name).toBe("Caf😀");
      const counts = await w.counts();
      expect((await w.t.relations.upsertByExternalRef({ system: "sync", externalId: "Caf😀" }, { kind: "organisation", name: "Caf😀" })).outcome).toBe(
        "unchanged",
      );
      expect(await w.counts()).toEqual(counts);
    });

    it("refuses an actor or source with a lone surrogate or NUL, for the tenant and per call", async () => {
      const w = ctx.world();
      const before = await w.counts();
      for (const [options, path] of [
        [{ actor: "user:\uD800" }, "actor"],
        [{ source: "sync:\u0000" }, "source"],
      ] as const) {
        let thrown: unknown;
        try {
          w.crm.tenant(w.tenantId, options);
        } catch (error) {
          thrown = error;
        }
        expect(isCrmError(thrown) && thrown.code).toBe("VALIDATION");
        expect(isCrmError(thrown) && thrown.issues.map((i) => [i.path, i.code])).toEqual([[[path], "invalid_text"]]);
        const perCall = await expectCrmError(w.t.relations.create({ kind: "organisation", name: "Acme" }, options), "VALIDATION");
        expect(perCall.issues.map((i) => [i.path, i.code])).toEqual([[[path], "invalid_text"]]);
        await expectCrmError(w.t.bulk.upsertRelations([{ kind: "organisation", name: "Acme" }], options), "VALIDATION");
      }
      expect(await w.counts()).toEqual(before);
    });

    it("answers every lookup by an id or key with NUL or a lone surrogate with VALIDATION, on every engine alike", async () => {
      const w = ctx.world();
      const lookups: Record<string, (bad: string) => Promise<unknown>> = {
        "relations.get": (bad) => w.t.relations.get(bad),
        "relations.findByExternalRef": (bad) => w.t.relations.findByExternalRef("erp", bad),
        "relations.findByEmail": (bad) => w.t.relations.findByEmail(`${bad}@example.nl`),
        "relations.findByPhone": (bad) => w.t.relations.findByPhone(`020 ${bad}`),
        "relations.search": (bad) => w.t.relations.search({ namePrefix: bad }),
        "interactions.get": (bad) => w.t.interactions.get(bad),
        "interactions.findByExternalKey": (bad) => w.t.interactions.findByExternalKey(bad),
        "interactions.timeline": (bad) => w.t.interactions.timeline(bad),
        "history.list": (bad) => w.t.history.list("relation", bad),
        "links.get": (bad) => w.t.links.get(bad),
        "deals.get": (bad) => w.t.deals.get(bad),
        "products.get": (bad) => w.t.products.get(bad),
        "products.getByCode": (bad) => w.t.products.getByCode(bad),
        "quotes.get": (bad) => w.t.quotes.get(bad),
        "orders.get": (bad) => w.t.orders.get(bad),
        "orders.findByExternalRef": (bad) => w.t.orders.findByExternalRef("erp", bad),
        "pipelines.get": (bad) => w.t.pipelines.get(bad),
        "lostReasons.get": (bad) => w.t.lostReasons.get(bad),
        "segments.get": (bad) => w.t.segments.get(bad),
        "campaigns.get": (bad) => w.t.campaigns.get(bad),
        "consent.ledger": (bad) => w.t.consent.ledger(bad),
        "consent.state": (bad) => w.t.consent.state(bad),
      };
      for (const bad of ["a\u0000b", "\uD800", "x\uDFFF"]) {
        for (const [name, lookup] of Object.entries(lookups)) {
          const { error } = await refusal(() => lookup(bad));
          expect(error?.code, `${name}(${JSON.stringify(bad)}): ${error?.message ?? "resolved"}`).toBe("VALIDATION");
        }
      }
      const error = await expectCrmError(w.t.relations.get("a\u0000b"), "VALIDATION");
      expect(error.issues.map((i) => [i.path, i.code])).toEqual([[["id"], "invalid_text"]]);
    });

    it("answers a forged page cursor or list filter with NUL or a lone surrogate with VALIDATION, never STORAGE", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({ kind: "organisation", name: "Paged" });
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
      const everyone = { version: 1 as const, where: { type: "field" as const, field: "name" as const, op: "eq" as const, value: "Paged" } };
      for (const bad of ["a\u0000b", "\uD800"]) {
        const cursor = b64(["2026-01-01T00:00:00.000Z", bad]);
        await expectCrmError(w.t.interactions.timeline(org.id, { cursor }), "VALIDATION");
        await expectCrmError(w.t.deals.list({ cursor }), "VALIDATION");
        await expectCrmError(w.t.deals.list({ relationId: bad }), "VALIDATION");
        await expectCrmError(w.t.segments.query(everyone, { after: b64(["r", bad]) }), "VALIDATION");
      }
    });

    it("stores a 1 MB interaction body of astral, RTL and combining text exactly; one unit more, or a lone surrogate, is refused", async () => {
      const w = ctx.world();
      const org = await w.t.relations.create({ kind: "organisation", name: "Big" });
      const chunk = "Zoë 😀 \u202Eevil\u202C e\u0301 日本語 👩‍👩‍👧\n";
      const body = chunk.repeat(Math.floor(1_000_000 / chunk.length));
      const { interaction } = await w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T10:00:00Z", relationIds: [org.id], body });
      expect(interaction.body).toBe(body);
      expect((await one(w, "kb_interactions", { id: interaction.id })).body).toBe(body);
      expect(json((await lastEvent(w, interaction.id)).payload)).toMatchObject({ body });
      const before = await w.counts();
      const tooLong = await expectCrmError(
        w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T10:00:00Z", relationIds: [org.id], body: "x".repeat(1_000_001) }),
        "VALIDATION",
      );
      expect(tooLong.issues.map((i) => i.path)).toEqual([["body"]]);
      const cut = await expectCrmError(
        w.t.interactions.log({ kind: "note", occurredAt: "2026-01-01T10:00:00Z", relationIds: [org.id], body: body.slice(0, -1) + "\uD83D" }),
        "VALIDATION",
      );
      expect(cut.issues.map((i) => [i.path, i.code])).toEqual([[["body"], "invalid_text"]]);
      expect(await w.counts()).toEqual(before);
    });

    it("bulk imports refuse text that breaks the rule with VALIDATION naming the item, never STORAGE", async () => {
      const w = ctx.world();
      const before = await w.counts();
      const error = await expectCrmError(
        w.t.bulk.upsertRelations([
          { kind: "organisation", name: "Fine", externalRefs: [{ system: "erp", externalId: "1" }] },
          { kind: "organisation", name: "Cut", externalRefs: [{ system: "erp", externalId: "x\uD800" }] },
          { kind: "organisation", name: "Nul\u0000" },
        ]),
        "VALIDATION",
      );
      expect(error.issues.map((i) => [i.path, i.code])).toEqual([
        [[1, "externalRefs", 0, "externalId"], "invalid_text"],
        [[2, "name"], "invalid_text"],
      ]);
      const interactions = await expectCrmError(
        w.t.bulk.logInteractions([{ kind: "email", occurredAt: "2026-01-01T10:00:00Z", relationIds: ["r"], externalKey: "k\u0000" }]),
        "VALIDATION",
      );
      expect(interactions.issues.map((i) => [i.path, i.code])).toEqual([[[0, "externalKey"], "invalid_text"]]);
      expect(await w.counts()).toEqual(before);
    });
  });
}
