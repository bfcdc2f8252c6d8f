import type { InteractionInput, RelationInput } from "@kaartenbak/core";

/** The sizes a run works with. `--scale 1` is the default: 100k relations, 1M interactions, 50k deals. */
export interface Scale {
  readonly relations: number;
  readonly interactions: number;
  readonly deals: number;
}

/** Sizes for a scale factor (0.001 for a smoke run, 10 for the large run). */
export function scaleOf(factor: number): Scale {
  return {
    relations: Math.max(50, Math.round(100_000 * factor)),
    interactions: Math.max(200, Math.round(1_000_000 * factor)),
    deals: Math.max(20, Math.round(50_000 * factor)),
  };
}

/** mulberry32: a tiny seeded PRNG, so every run generates the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The e-mail of relation `i`. */
export const emailOf = (i: number) => `r${i}@bench.example`;
/** The phone (E.164, a valid Amsterdam landline) of relation `i`. */
export const phoneOf = (i: number) => `+3120${String(1_000_000 + (i % 9_000_000)).padStart(7, "0")}`;

/** Relation `i`: every fifth an organisation, the others people; one e-mail, one phone, one ERP reference. */
export function relationInput(i: number): RelationInput {
  const organisation = i % 5 === 0;
  return {
    kind: organisation ? "organisation" : "person",
    name: organisation ? `Organisation ${i}` : `Person ${i}`,
    lifecycle: i % 3 === 0 ? "customer" : "prospect",
    emails: [emailOf(i)],
    phones: [phoneOf(i)],
    externalRefs: [{ system: "bench", externalId: `R${i}` }],
  };
}

/** Relation inputs `from` .. `to - 1`, lazily. */
export function* relationInputs(from: number, to: number): Generator<RelationInput> {
  for (let i = from; i < to; i++) yield relationInput(i);
}

const KINDS = ["email", "call", "meeting", "note"] as const;
const BASE = Date.UTC(2025, 0, 1);

/** Interaction `j` of a run over `relationIds`: spread over 2025–2026, keyed like an imported e-mail. */
export function* interactionInputs(from: number, to: number, relationIds: readonly string[], seed: number): Generator<InteractionInput> {
  const next = random(seed + from);
  for (let j = from; j < to; j++) {
    const kind = KINDS[j % KINDS.length]!;
    yield {
      kind,
      direction: j % 2 ? "inbound" : "outbound",
      occurredAt: new Date(BASE + Math.floor(next() * 63_072_000) * 1000),
      subject: `Bench ${kind} ${j}`,
      relationIds: [relationIds[Math.floor(next() * relationIds.length)]!],
      participants: [{ role: "from", address: `sender${j % 997}@mail.example` }],
      externalKey: `<m${j}@bench.example>`,
    };
  }
}
