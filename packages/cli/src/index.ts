/**
 * @kaartenbak/cli — the `kaartenbak` command line. Its module entry exports {@link run} so a host
 * can embed the same commands (in a job runner, say) with its own streams and environment.
 */
export { run } from "./program.js";
export { EXIT, UsageError, type Io } from "./output.js";
