import { writeFileSync } from "node:fs";
import type { ImportMapping } from "../src/index.js";

/** The mapping of the crash tests' file: no id column, so rows are keyed by the file name and their content. */
export const crashMapping: ImportMapping = {
  columns: {
    Voornaam: { to: "field", field: "givenName" },
    Achternaam: { to: "field", field: "familyName" },
    Email: { to: "email" },
    Bedrijf: { to: "organisation" },
    Functie: { to: "jobTitle" },
    Labels: { to: "tags" },
  },
};

/** Writes a file of `rows` people at a handful of employers, some rows invalid, some empty. */
export function writeCrashFile(path: string, rows: number): void {
  const lines = ["Voornaam;Achternaam;Email;Bedrijf;Functie;Labels"];
  for (let i = 0; i < rows; i++) {
    if (i % 13 === 5) lines.push(";;;;;");
    else if (i % 11 === 7) lines.push(`Fout${i};Rij;geen-adres;Org ${i % 4};;`);
    else lines.push(`P${i};"Achter; ""${i}""";p${i}@example.com;Org ${i % 4};Rol ${i % 3};a,b${i % 2}`);
  }
  writeFileSync(path, lines.join("\r\n") + "\r\n");
}
