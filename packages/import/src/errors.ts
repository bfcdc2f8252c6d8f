/**
 * The import's errors are core's {@link CrmError}: a bad option or mapping is VALIDATION (reason
 * `invalid_input`) whose `issues` name every problem, so a host handles an import like any command.
 */
import { CrmError, type ValidationIssue } from "@kaartenbak/core";

/** VALIDATION naming every problem found in the options, the mapping or the file's header. */
export function invalidOptions(issues: readonly ValidationIssue[]): CrmError<"VALIDATION"> {
  const first = issues[0]?.message ?? "Invalid import options";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new CrmError("VALIDATION", `${first}${more}`, { issues, reason: "invalid_input" });
}

/** VALIDATION for one option. */
export function configError(path: string, message: string, code = "invalid_option"): CrmError<"VALIDATION"> {
  return invalidOptions([{ path: path.split("."), message, code }]);
}
