/**
 * The Google clients the connector talks through: the per-API packages `@googleapis/people`,
 * `@googleapis/gmail` and `@googleapis/calendar`, built once with the API root (`rootUrl`: Google
 * itself, or the fake in tests).
 *
 * Authentication comes from the host: an `OAuth2Client` (which refreshes itself) or a function
 * returning an access token, asked on every call and sent as a header of that call only; the
 * connector never stores it. The libraries' own retries are switched off (`retry: false`): the
 * sync engine retries with backoff and jitter, so the two never stack (gaxios would otherwise
 * retry GETs three times on 429/5xx, ignoring Retry-After and 403 rate limits).
 */
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { gmail, type gmail_v1 } from "@googleapis/gmail";
import { people, type people_v1 } from "@googleapis/people";

/** A function the host supplies that returns a valid access token for the account. */
export type AccessTokenProvider = () => Promise<string>;

/** An auth client of google-auth-library (`OAuth2Client`, `GoogleAuth`, ...), as the clients accept it. */
export type GoogleAuthClient = Exclude<people_v1.Options["auth"], string | undefined>;

/** The three API clients and the per-call options that authenticate a call. */
export interface GoogleClients {
  readonly people: people_v1.People;
  readonly gmail: gmail_v1.Gmail;
  readonly calendar: calendar_v3.Calendar;
  /** Options for one call: the token header (token provider), no library retries, the abort signal. */
  callOptions(signal?: AbortSignal): Promise<{ headers?: Record<string, string>; retry: false; signal?: AbortSignal }>;
}

/** Default API root. */
export const GOOGLE_ROOT_URL = "https://www.googleapis.com/";

/** Builds the clients; exactly one of `auth` and `getAccessToken` is needed. */
export function createGoogleClients(options: { auth?: GoogleAuthClient; getAccessToken?: AccessTokenProvider; rootUrl?: string }): GoogleClients {
  if (!options.auth && !options.getAccessToken) throw new TypeError("The Google connector needs auth (an OAuth2Client) or getAccessToken");
  const common = { rootUrl: options.rootUrl ?? GOOGLE_ROOT_URL, ...(options.auth ? { auth: options.auth } : {}), retry: false };
  // People's real root is people.googleapis.com; Gmail and Calendar answer on www.googleapis.com.
  const peopleRoot = options.rootUrl ?? "https://people.googleapis.com/";
  return {
    people: people({ version: "v1", ...common, rootUrl: peopleRoot }),
    gmail: gmail({ version: "v1", ...common, rootUrl: options.rootUrl ?? "https://gmail.googleapis.com/" }),
    calendar: calendar({ version: "v3", ...common }),
    async callOptions(signal) {
      const headers = options.getAccessToken && !options.auth ? { Authorization: `Bearer ${await options.getAccessToken()}` } : undefined;
      return { ...(headers ? { headers } : {}), retry: false, ...(signal ? { signal } : {}) };
    },
  };
}
