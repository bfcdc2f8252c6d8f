/**
 * Gmail messages (format=metadata) → e-mail interactions.
 *
 * The interaction key is the RFC 5322 Message-ID exactly as the Outlook connector keys Graph's
 * `internetMessageId`: the header value trimmed, angle brackets kept. A person with both a Gmail
 * and an Outlook mailbox therefore gets one contact moment per message. Header names are matched
 * case-insensitively (`Message-Id` and `Message-ID` both occur); address lists are parsed with
 * `email-addresses` (quoted display names with commas, groups such as `undisclosed-recipients:;`)
 * and RFC 2047 encoded words in display names and subjects are decoded with `libmime`.
 */
import emailAddresses from "email-addresses";
import libmime from "libmime";
import type { ParticipantDraft, SyncChange } from "@kaartenbak/core/sync";
import { arr, obj, str, type Json } from "./json.js";

/** The headers the connector asks for (`metadataHeaders`). */
export const METADATA_HEADERS = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Id", "Precedence", "Auto-Submitted"] as const;

/** Labels whose messages are not contact moments (in the bin, spam, unsent drafts). */
export const EXCLUDED_LABELS = new Set(["TRASH", "SPAM", "DRAFT"]);

const MACHINE_SENDER = /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?|newsletter)([+._-].*)?@/i;

function decode(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** The mailboxes of an address-list header; groups are flattened (an empty group yields none). */
export function parseAddresses(value: string | undefined): { address: string; name: string | null }[] {
  if (!value) return [];
  const parsed = emailAddresses.parseAddressList({ input: value, rfc6532: true, partial: false });
  const out: { address: string; name: string | null }[] = [];
  const push = (address: string | null | undefined, name: string | null | undefined) => {
    if (address && address.includes("@") && !out.some((o) => o.address === address.toLowerCase())) {
      out.push({ address: address.toLowerCase(), name: name ? decode(name).trim() || null : null });
    }
  };
  if (parsed) {
    for (const item of parsed) {
      if (item.type === "group") for (const m of item.addresses) push(m.address, m.name);
      else push(item.address, item.name);
    }
    return out;
  }
  // Not RFC 5322: take what looks like addresses rather than lose the participants.
  for (const match of value.matchAll(/[^\s<>",;:]+@[^\s<>",;:]+/g)) push(match[0], null);
  return out;
}

/** Header lookup by case-insensitive name (the first occurrence). */
export function headerOf(message: Json): (name: string) => string | undefined {
  const headers = arr(obj(message.payload).headers).map(obj);
  return (name) => {
    const lower = name.toLowerCase();
    const h = headers.find((x) => typeof x.name === "string" && x.name.toLowerCase() === lower);
    return typeof h?.value === "string" ? h.value : undefined;
  };
}

/** Maps a Gmail message to a sync change; `own` is the account's address (lower case). */
export function messageChange(message: Json, own: string): SyncChange {
  const id = str(message.id);
  if (!id) return { type: "invalid", externalId: "(no id)", reason: "message without an id" };
  if (arr(message.labelIds).some((l) => typeof l === "string" && EXCLUDED_LABELS.has(l))) return { type: "removed", externalId: id };
  const header = headerOf(message);
  const key = str(header("Message-ID"));
  if (!key || key.length > 500) return { type: "invalid", externalId: id, reason: "message without a usable Message-ID header" };
  const internal = Number(str(message.internalDate));
  const dateHeader = Date.parse(header("Date") ?? "");
  const ms = Number.isFinite(internal) && internal > 0 ? internal : dateHeader;
  if (!Number.isFinite(ms)) return { type: "invalid", externalId: id, reason: "message without internalDate or Date" };
  const from = parseAddresses(header("From"))[0];
  const participants: ParticipantDraft[] = [];
  const add = (role: ParticipantDraft["role"], r: { address: string; name: string | null }) => {
    if (!participants.some((p) => p.address === r.address && p.role === role))
      participants.push({ role, address: r.address, name: r.name, ...(r.address === own ? { own: true } : {}) });
  };
  if (from) add("from", from);
  for (const to of parseAddresses(header("To"))) add("to", to);
  for (const cc of parseAddresses(header("Cc"))) add("cc", cc);
  const precedence = header("Precedence")?.toLowerCase() ?? "";
  const auto = header("Auto-Submitted")?.toLowerCase().trim();
  const bulk =
    header("List-Unsubscribe") !== undefined ||
    header("List-Id") !== undefined ||
    /bulk|list|junk/.test(precedence) ||
    (auto !== undefined && auto !== "no") ||
    (from !== undefined && MACHINE_SENDER.test(from.address));
  const subject = header("Subject");
  return {
    type: "interaction",
    externalId: id,
    key,
    interaction: {
      kind: "email",
      channel: "email",
      direction: from?.address === own ? "outbound" : "inbound",
      occurredAt: new Date(ms).toISOString(),
      subject: subject ? decode(subject).trim().slice(0, 1000) || null : null,
      body: str(message.snippet) ?? null,
      participants,
      bulk,
    },
  };
}
