/**
 * Strings that break naive SQL: quotes, LIKE wildcards, backslashes, SQL fragments, placeholders,
 * case and normalisation look-alikes, astral characters. Filters must match them literally.
 */
export const HOSTILE_STRINGS = [
  "O'Brien",
  "100%",
  "50% off_sale",
  "a_b",
  "back\\slash",
  "C:\\path\\%_",
  "x' OR '1'='1",
  "'; DROP TABLE kb_relations; --",
  "%",
  "_",
  "\\",
  "\\%",
  "%_%",
  '"quoted"',
  "Zoë",
  "ZOË",
  "zoë",
  "straße",
  "STRASSE",
  "😀 emoji 😀",
  "İstanbul",
  "ǅemal",
  "e\u0301",
  "é",
  "日本語",
  "tab\there",
  "line\nbreak",
  "$1",
  "?",
  ":name",
  "--",
  "/* c */",
  "NULL",
  "\uFFFD\uE000",
] as const;

/** Needles for contains / starts-with that overlap the hostile strings without equalling them. */
export const HOSTILE_FRAGMENTS = ["'", "%", "_", "\\", "\\%", "' OR '", "--", "ë", "Ë", "😀", "\u0301", "e", "ß", "SS", "$", "O'", "100", "DROP", "", "a", "İ", "i"] as const;
