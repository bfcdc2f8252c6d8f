/**
 * Progress events of a sync run, for progress bars, logs and metrics. Events carry counts, ids and
 * reasons, never payloads or tokens.
 */
import type { SyncErrorReason } from "./connector.js";

/** What one page did to the CRM. */
export interface PageCounts {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/** Everything a run reports, as a discriminated union on `type`. */
export type SyncEvent =
  /** The run holds the account's lease and starts. */
  | { readonly type: "run-started"; readonly account: string }
  /** Another runner holds the account's lease; this run did nothing. */
  | { readonly type: "busy"; readonly account: string }
  /** A full pass of a resource starts (first sync, reset, or an expired cursor). */
  | {
      readonly type: "full-pass";
      readonly account: string;
      readonly resource: string;
      readonly pass: number;
      readonly cause: "first" | "cursor-expired" | "reset";
    }
  /** A page was applied and committed together with its cursor. */
  | ({
      readonly type: "page";
      readonly account: string;
      readonly resource: string;
      readonly page: number;
      readonly items: number;
      readonly done: boolean;
    } & PageCounts)
  /** Items known locally but absent from a finished full pass were removed. */
  | { readonly type: "reconciled"; readonly account: string; readonly resource: string; readonly deleted: number }
  /** A remote item was not applied; it is also listed in the resource's state. */
  | {
      readonly type: "skipped";
      readonly account: string;
      readonly resource: string;
      readonly externalId: string;
      readonly reason: string;
      readonly message: string;
    }
  /** A remote call failed with a retryable reason; the engine waits `waitMs` and tries again. */
  | {
      readonly type: "retry";
      readonly account: string;
      readonly resource: string;
      readonly reason: SyncErrorReason;
      readonly attempt: number;
      readonly waitMs: number;
    }
  /** A local change was pushed to the remote system. */
  | {
      readonly type: "pushed";
      readonly account: string;
      readonly resource: string;
      readonly op: "create" | "update" | "delete";
      readonly entityId: string;
      readonly externalId: string;
    }
  /** A push met a remote change (stale change key) and was resolved by the conflict policy. */
  | {
      readonly type: "conflict";
      readonly account: string;
      readonly resource: string;
      readonly entityId: string;
      readonly externalId: string;
      readonly resolution: "local" | "remote" | "gone";
    }
  /** A resource (or the push phase, resource `push`) failed; recorded in its state. */
  | { readonly type: "failed"; readonly account: string; readonly resource: string; readonly reason: string; readonly message: string }
  /** The run ended; `ok` is false when any resource failed. */
  | { readonly type: "run-finished"; readonly account: string; readonly ok: boolean };

/** Receives progress events. Exceptions it throws are ignored, so a broken progress bar cannot break a sync. */
export type SyncListener = (event: SyncEvent) => void;

/** Calls `listener` and swallows what it throws. */
export function emitTo(listener: SyncListener | undefined, event: SyncEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // A listener is an observer; its failures must not change what the sync does.
  }
}

/** A fresh set of page counts. */
export function emptyCounts(): { created: number; updated: number; deleted: number; unchanged: number; skipped: number } {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0 };
}
