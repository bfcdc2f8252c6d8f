import { createCrm, defineAttributes, type RelationInput } from "@kaartenbak/core";
import { random } from "../data.js";
import type { Engine } from "../engines.js";
import { peakRss, type Figure } from "../measure.js";

const SYLLABLES = [
  ..."ba ke ri mo su da len vor tik ham pel dros win ker zal bru gen lo fa ne stra mer wijk hof berg dal kamp veld huis bos".split(" "),
  ..."ar el in on ut sch tra gro ven bel dor nie ster haa ka mu pi ro se".split(" "),
];
const TRADES = ["Bakkerij", "Installatie", "Transport", "Bouw", "Adviesbureau", "Garage", "Drukkerij", "Hoveniers", "Kantoor", "Handel"];
const CITIES = Array.from({ length: 60 }, (_, i) => `Plaats ${i}`);
const FORMS = ["B.V.", "BV", "N.V.", "VOF", ""];

/** A made-up company name: often a trade, then a made-up family name of two or three syllables, sometimes a second word. */
function companyName(next: () => number): string {
  const word = (n: number) => {
    const w = Array.from({ length: n }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join("");
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const trade = next() < 0.6 ? `${TRADES[Math.floor(next() * TRADES.length)]} ` : "";
  return `${trade}${word(2 + Math.floor(next() * 2))}${next() < 0.4 ? ` ${word(2)}` : ""}`;
}

/** How a double of a record is typed in again: legal form, case, accents or a second address differ. */
function doubleOf(base: RelationInput & { name: string }, next: () => number, i: number): RelationInput {
  const variant = i % 4;
  const name =
    variant === 0
      ? `${base.name} ${FORMS[Math.floor(next() * 4)]}`
      : variant === 1
        ? base.name.toUpperCase()
        : variant === 2
          ? base.name.replace(/e/, "é")
          : `${base.name} ${FORMS[Math.floor(next() * 4)]}`.toLowerCase();
  // Half keep the e-mail (an exact match), half only the postcode (the fuzzy rule).
  return {
    kind: "organisation",
    name,
    ...(i % 2 ? { emails: base.emails } : {}),
    addresses: base.addresses,
    externalRefs: [{ system: "bench", externalId: `d${i}` }],
  };
}

/**
 * W7: a duplicate scan of a tenant of organisations (a trade word and made-up family names, in 60
 * places with random postcodes), 1% of which were typed in twice (with the
 * legal form added, the case changed, an accent, the e-mail kept or only the postcode). Reported:
 * the scan's time and peak RSS, and its recall of the planted pairs (target ≥ 0.99) and precision
 * (target ≥ 0.95; a pair the scan found that was not planted counts against it, even when two
 * generated names happen to look alike). No raw-driver counterpart: the work is the matching.
 */
export async function w7Duplicates(engine: Engine, relations: number): Promise<Figure[]> {
  const next = random(7_007);
  const crm = createCrm({ storage: engine.storage, attributes: defineAttributes({ version: 1, attributes: {} }), defaultRegion: "NL" });
  const t = crm.tenant("w7");
  const bases: (RelationInput & { name: string })[] = [];
  for (let i = 0; i < relations; i++) {
    const postalCode = `${1000 + Math.floor(next() * 8999)} ${String.fromCharCode(65 + Math.floor(next() * 26), 65 + Math.floor(next() * 26))}`;
    bases.push({
      kind: "organisation",
      name: companyName(next),
      emails: [`info@c${i}.example`],
      externalRefs: [{ system: "bench", externalId: `b${i}` }],
      addresses: [{ street: "Hoofdstraat", houseNumber: String(1 + (i % 300)), postalCode, city: CITIES[i % CITIES.length]! }],
    });
  }
  const planted = Math.max(1, Math.round(relations / 100));
  const doubles = Array.from({ length: planted }, (_, k) => doubleOf(bases[(k * 97) % relations]!, next, k));
  await t.bulk.upsertRelations([...bases, ...doubles], { chunkSize: 1_000 });
  const idOf = async (ref: string) => (await t.relations.findByExternalRef("bench", ref))!.id;
  const expected = new Set<string>();
  for (let k = 0; k < planted; k++) expected.add(pairKey(await idOf(`b${(k * 97) % relations}`), await idOf(`d${k}`)));

  const found = new Set<string>();
  const { ms, peakMb } = await peakRss(async () => {
    for await (const batch of t.duplicates.scan({ batchSize: 2_000 })) for (const p of batch.found) found.add(pairKey(p.firstId, p.secondId));
  });
  const hits = [...expected].filter((k) => found.has(k)).length;
  const recall = hits / expected.size;
  const precision = found.size === 0 ? 1 : [...found].filter((k) => expected.has(k)).length / found.size;
  const size = `${(relations + planted).toLocaleString("en")} organisations, ${planted.toLocaleString("en")} planted doubles`;
  return [
    {
      engine: engine.name,
      workload: `W7 duplicate scan: ${size} (1 run)`,
      unit: "relations/s",
      sdk: ((relations + planted) / ms) * 1000,
      kind: "absolute",
      note: `${(ms / 1000).toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB; ${found.size} pairs found`,
    },
    {
      engine: engine.name,
      workload: "W7 duplicate scan: recall of the planted pairs",
      unit: "ratio",
      sdk: recall,
      kind: "absolute",
      note: `${hits} of ${expected.size}; target ≥ 0.99${recall >= 0.99 ? "" : "; MISSED"}`,
    },
    {
      engine: engine.name,
      workload: "W7 duplicate scan: precision",
      unit: "ratio",
      sdk: precision,
      kind: "absolute",
      note: `${found.size - [...found].filter((k) => expected.has(k)).length} pairs not planted; target ≥ 0.95${precision >= 0.95 ? "" : "; MISSED"}`,
    },
  ];
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
