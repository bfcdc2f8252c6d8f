/**
 * Outlook messages → e-mail interactions, keyed by the RFC `internetMessageId` so that one message
 * is one interaction, however many folders and mailboxes hold a copy.
 */
import type { ParticipantDraft, SyncChange } from "@kaartenbak/core/sync";
import { arr, instant, obj, recipient, str, type GraphJson } from "./graph-json.js";

/** The message fields the connector reads (`$select` of the first delta request). */
export const MESSAGE_FIELDS = [
  "subject",
  "bodyPreview",
  "internetMessageId",
  "from",
  "sender",
  "toRecipients",
  "ccRecipients",
  "bccRecipients",
  "replyTo",
  "sentDateTime",
  "receivedDateTime",
  "isDraft",
  "internetMessageHeaders",
  "conversationId",
] as const;

/** Senders that are machines, never people: their mail is treated as bulk. */
const MACHINE_SENDER = /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?|newsletter)([+._-].*)?@/i;

/** True for list and bulk mail (List-* headers, `Precedence: bulk|list|junk`, or a machine sender). */
export function isBulk(message: GraphJson, from: string | undefined): boolean {
  for (const header of arr(message.internetMessageHeaders)) {
    const name = str(obj(header)?.name)?.toLowerCase();
    const value = str(obj(header)?.value)?.toLowerCase() ?? "";
    if (name === "list-unsubscribe" || name === "list-id") return true;
    if (name === "precedence" && /bulk|list|junk/.test(value)) return true;
    if (name === "auto-submitted" && value !== "no") return true;
  }
  return from !== undefined && MACHINE_SENDER.test(from);
}

/** Maps a Graph message to a sync change; `own` is the mailbox's own address (lower case). */
export function messageChange(message: GraphJson, own: string): SyncChange {
  const id = str(message.id);
  if (!id) return { type: "invalid", externalId: "(no id)", reason: "message without an id" };
  // Drafts are not contact moments; when sent they come back as a new message in Sent Items.
  if (message["@removed"] !== undefined || message.isDraft === true) return { type: "removed", externalId: id };
  const key = str(message.internetMessageId);
  if (!key || key.length > 500) return { type: "invalid", externalId: id, reason: "message without a usable internetMessageId" };
  const occurredAt = instant(message.sentDateTime) ?? instant(message.receivedDateTime);
  if (!occurredAt) return { type: "invalid", externalId: id, reason: "message without sentDateTime or receivedDateTime" };
  const from = recipient(message.from) ?? recipient(message.sender);
  const participants: ParticipantDraft[] = [];
  const add = (role: ParticipantDraft["role"], r: { address: string; name: string | null } | undefined) => {
    if (r) participants.push({ role, address: r.address, name: r.name, ...(r.address === own ? { own: true } : {}) });
  };
  add("from", from);
  for (const to of arr(message.toRecipients)) add("to", recipient(to));
  for (const cc of arr(message.ccRecipients)) add("cc", recipient(cc));
  // Graph shows Bcc only on the sender's own copy (Sent Items); a recipient's copy has none.
  for (const bcc of arr(message.bccRecipients)) add("bcc", recipient(bcc));
  // `sender` differs from `from` when a delegate or a shared mailbox sent it on someone's behalf.
  const sender = recipient(message.sender);
  if (sender && sender.address !== from?.address) add("sender", sender);
  for (const r of arr(message.replyTo)) add("reply-to", recipient(r));
  return {
    type: "interaction",
    externalId: id,
    key,
    interaction: {
      kind: "email",
      channel: "email",
      direction: from?.address === own ? "outbound" : "inbound",
      occurredAt,
      subject: str(message.subject)?.slice(0, 1000) ?? null,
      body: str(message.bodyPreview) ?? null,
      participants,
      bulk: isBulk(message, from?.address),
    },
  };
}
