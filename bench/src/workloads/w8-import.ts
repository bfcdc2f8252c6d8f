import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCrm, type RelationInput } from "@kaartenbak/core";
import { importCsv, type ImportMapping } from "@kaartenbak/import";
import { random } from "../data.js";
import type { Engine } from "../engines.js";
import { peakRss, type Figure } from "../measure.js";

const GIVEN = ["Anna", "Bram", "Carla", "Daan", "Eva", "Finn", "Gijs", "Hanna", "Iris", "Joost"];
const FAMILY = ["Jansen", "de Vries", "Visser", "Smit", "Mulder", "Bakker", "de Boer", "Meijer", "Bos", "Peters"];
const CITIES = ["Amsterdam", "Utrecht", "Rotterdam", "Den Haag", "Eindhoven", "Groningen", "Zwolle", "Arnhem"];

/** The mapping of the bench file: a Dutch Excel export (`;`, decimal commas not involved). */
const MAPPING: ImportMapping = {
  columns: {
    Klantnummer: { to: "externalRef", system: "w8" },
    Voornaam: { to: "field", field: "givenName" },
    Achternaam: { to: "field", field: "familyName" },
    "E-mail": { to: "email", label: "work" },
    Telefoon: { to: "phone", label: "mobile" },
    Plaats: { to: "address", part: "city", label: "home" },
    Tags: { to: "tags" },
  },
};

/**
 * W8: importing a CSV of `rows` persons (customer number, name, e-mail, mobile, city, tags) with
 * `importCsv` against `tenant.bulk.upsertRelations` fed the same relations already parsed, in the
 * same chunk size. The import's extra work is reading, decoding and mapping the file and keeping
 * its checkpoint; the peak RSS is that of the import (target for 1M rows: under 300 MB).
 */
export async function w8Import(engine: Engine, rows: number): Promise<Figure[]> {
  const next = random(8_008);
  const dir = mkdtempSync(join(tmpdir(), "kaartenbak-w8-"));
  try {
    const lines = ["Klantnummer;Voornaam;Achternaam;E-mail;Telefoon;Plaats;Tags"];
    const inputs: RelationInput[] = [];
    for (let i = 0; i < rows; i++) {
      const given = GIVEN[Math.floor(next() * GIVEN.length)]!;
      const family = FAMILY[Math.floor(next() * FAMILY.length)]!;
      const email = `klant${i}@example.com`;
      const phone = `+316${String(10_000_000 + i).slice(-8)}`;
      const city = CITIES[i % CITIES.length]!;
      const tags = i % 3 === 0 ? ["klant", "nieuwsbrief"] : ["klant"];
      lines.push([`K${i}`, given, family, email, phone, city, tags.join(",")].join(";"));
      inputs.push({
        kind: "person",
        givenName: given,
        familyName: family,
        emails: [{ address: email, label: "work" }],
        phones: [{ number: phone, label: "mobile" }],
        addresses: [{ label: "home", city }],
        tags,
        externalRefs: [{ system: "w8", externalId: `K${i}` }],
      });
    }
    const path = join(dir, "klanten.csv");
    writeFileSync(path, `${lines.join("\r\n")}\r\n`);
    const crm = createCrm({ storage: engine.storage, defaultRegion: "NL" });
    const chunkSize = 1_000;
    const file = await peakRss(async () => {
      const result = await importCsv(crm.tenant("w8-file"), { path }, { mapping: MAPPING, chunkSize });
      if (result.created !== rows || result.invalid !== 0)
        throw new Error(`W8 import: ${JSON.stringify({ ...result, problems: result.problems.slice(0, 3) })}`);
    });
    const bulk = await peakRss(async () => {
      const t = crm.tenant("w8-bulk");
      for (let i = 0; i < inputs.length; i += chunkSize) await t.bulk.upsertRelations(inputs.slice(i, i + chunkSize), { chunkSize });
    });
    return [
      {
        engine: engine.name,
        workload: `W8 CSV import: ${rows.toLocaleString("en")} rows (1 run)`,
        unit: "rows/s",
        sdk: (rows / file.ms) * 1000,
        raw: (rows / bulk.ms) * 1000,
        kind: "throughput",
        note: `against the bulk API fed the same relations; import peak RSS ${file.peakMb.toFixed(0)} MB (bulk side ${bulk.peakMb.toFixed(0)} MB, inputs held in memory)`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
