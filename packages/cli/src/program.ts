/**
 * The `kaartenbak` program: commander parses the command line (a maintained parser with help,
 * unknown-option errors and `--version`), each action opens the database, runs its command and
 * closes it again, and every error becomes one of the documented exit codes.
 */
import { Command, CommanderError, Option } from "commander";
import type { Crm } from "@kaartenbak/core";
import { accessExportCommand, dedupeScan, eraseCommand, exportCommand, importCommand, reportCommand } from "./commands.js";
import { openCrm, type GlobalOptions } from "./database.js";
import { EXIT, failure, print, type Io } from "./output.js";

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to its exit code.
 *
 * @example
 * process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, process.env);
 */
export async function run(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("kaartenbak")
    .description("Kaartenbak CRM on a SQLite file (--db) or Postgres (DATABASE_URL)")
    .version("0.1.0")
    .option("--db <file>", "SQLite database file (otherwise DATABASE_URL names a Postgres server)")
    .option("--schema <name>", "Postgres schema of the Kaartenbak tables")
    .option("--tenant <id>", "tenant to work on", env.KAARTENBAK_TENANT ?? "default")
    .option("--region <code>", "default phone region (ISO 3166)", "NL")
    .option("--json", "print the result as JSON")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const action =
    <A extends unknown[]>(migrate: boolean, body: (crm: Crm, global: GlobalOptions, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const global = program.opts<GlobalOptions>();
      const open = await openCrm(global, env, migrate);
      try {
        code = await body(open.crm, global, ...args);
      } finally {
        await open.close();
      }
    };

  program
    .command("migrate")
    .description("create or upgrade the Kaartenbak tables")
    .action(
      action(false, async (crm, global) => {
        const report = await crm.migrate();
        print(io, global.json, report, () => [`Migrations applied: ${JSON.stringify(report)}`]);
        return EXIT.ok;
      }),
    );
  program
    .command("import <file>")
    .description("import relations from a .csv, .xlsx or .vcf file (exit 3 when rows were refused)")
    .addOption(new Option("--preset <name>", "column layout").choices(["outlook", "google", "kaartenbak", "vcard"]))
    .option(
      "--map <column=target>",
      "map a column (repeatable): givenName, email:work, phone:mobile, address:city, organisation, tags, ref:erp, ignore …",
      collect,
      [],
    )
    .option("--dry-run", "check everything and report per row; write nothing")
    .option("--all-or-nothing", "write nothing when any row is invalid")
    .option("--rejects <file>", "write refused rows, with the reason, to this CSV file")
    .option("--sheet <name>", "worksheet of an .xlsx file")
    .addOption(new Option("--duplicates <policy>", "rows that look like existing relations").choices(["report", "skip"]))
    .action(action(true, (crm, global, file: string, flags) => importCommand(crm, global, io, file, flags)));
  program
    .command("export <file>")
    .description("export relations to .csv, .xlsx or .vcf")
    .addOption(new Option("--preset <name>", "column layout").choices(["outlook", "google", "kaartenbak"]))
    .addOption(new Option("--format <format>", "instead of the file extension").choices(["csv", "xlsx", "vcard"]))
    .option("--segment <id>", "only the members of this segment")
    .option("--delimiter <char>", "CSV delimiter (default ,)")
    .option("--countries <language>", "country names in this language instead of ISO codes")
    .action(action(true, (crm, global, file: string, flags) => exportCommand(crm, global, io, file, flags)));
  program
    .command("dedupe")
    .description("duplicate detection")
    .command("scan")
    .description("scan every relation for likely duplicates")
    .action(action(true, (crm, global) => dedupeScan(crm, global, io)));
  program
    .command("report <kind>")
    .description("funnel or forecast, as JSON")
    .option("--pipeline <id>", "pipeline")
    .option("--from <date>", "first day (yyyy-mm-dd)")
    .option("--to <date>", "day after the last (yyyy-mm-dd)")
    .action(action(true, (crm, global, kind: string, flags) => reportCommand(crm, global, io, kind, flags)));
  program
    .command("erase <relationId>")
    .description("erase a person's personal data (GDPR art. 17); financial records stay")
    .option("--note <text>", "why, e.g. the request number")
    .action(action(true, (crm, global, id: string, flags) => eraseCommand(crm, global, io, id, flags)));
  program
    .command("access-export <relationId>")
    .description("everything held about a relation as JSON (GDPR art. 15 and 20)")
    .option("--out <file>", "write to this file instead of stdout")
    .action(action(true, (crm, global, id: string, flags) => accessExportCommand(crm, global, io, id, flags)));

  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const { code: exit, message, detail } = failure(error);
    if (program.opts<GlobalOptions>().json)
      io.stdout.write(`${JSON.stringify({ error: { message, ...(detail ? { detail } : {}) }, exitCode: exit }, null, 2)}\n`);
    io.stderr.write(`kaartenbak: ${message}\n`);
    return exit;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
