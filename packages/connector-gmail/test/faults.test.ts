import { describe, expect, it } from "vitest";
import { ENGINES, googleAndDb } from "./harness.js";
import { scenario } from "./scenario.js";

for (const engineName of ENGINES) {
  describe(`google faults: ${engineName}`, () => {
    const shared = googleAndDb(engineName);

    it("retries 429, both 403 rate-limit shapes, 5xx and dropped connections with backoff, and converges", async () => {
      const { google, db } = shared;
      const { account, engine, events, waits, counts } = scenario(google, db);
      for (let i = 0; i < 15; i++)
        google.createContact(account.email, { names: [{ givenName: `P${i}` }], emailAddresses: [{ value: `p${i}@client.example` }] });
      for (let i = 0; i < 6; i++) google.sendMail(account.email, { from: `p${i}@client.example`, to: account.email, subject: `m${i}` });
      google.faults.add({ fault: "429", path: /connections/ });
      google.faults.add({ fault: "drop", path: /connections/ });
      google.faults.add({ fault: "500", path: /connections/ });
      google.faults.add({ fault: "rateLimitExceeded", path: /\/messages/ });
      google.faults.add({ fault: "userRateLimitExceeded", path: /\/messages\// });
      google.faults.add({ fault: "503", path: /\/profile/ });
      google.faults.add({ fault: "429", path: /\/messages\// });
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(google.faults.served).toBe(7);
      const retries = events.filter((e) => e.type === "retry");
      expect(retries.map((e) => (e.type === "retry" ? e.reason : "")).sort()).toEqual([
        "RATE_LIMITED",
        "RATE_LIMITED",
        "RATE_LIMITED",
        "RATE_LIMITED",
        "TRANSIENT",
        "TRANSIENT",
        "TRANSIENT",
      ]);
      // No Retry-After from Google: every wait is the engine's exponential backoff (base 1 ms here, doubled per attempt).
      expect(waits).toHaveLength(7);
      expect(waits.every((w) => w >= 0 && w <= 8)).toBe(true);
      const c = await counts();
      expect(c.kb_relations).toBe(15);
      expect(c.kb_interactions).toBe(6);
      // The client library's own retries are off: each fault cost exactly one request.
      const failed = google.requests.filter((r) => r.status >= 400 || r.status === 0);
      expect(failed).toHaveLength(7);
    });

    it("honours Retry-After when Google sends one: the engine waits what was asked, not its own backoff", async () => {
      const { google, db } = shared;
      const { account, engine, events, waits, counts } = scenario(google, db);
      for (let i = 0; i < 3; i++) google.createContact(account.email, { names: [{ givenName: `R${i}` }], emailAddresses: [{ value: `r${i}@client.example` }] });
      google.sendMail(account.email, { from: "r0@client.example", to: account.email, subject: "hello" });
      google.faults.add({ fault: "429", path: /connections/, retryAfter: 2 });
      google.faults.add({ fault: "503", path: /\/messages/, retryAfter: 1 });
      google.faults.add({ fault: "rateLimitExceeded", path: /^\/calendar\//, retryAfter: 3 });
      const report = await engine().run();
      expect(report.status).toBe("ok");
      expect(waits.sort()).toEqual([1000, 2000, 3000]);
      expect(events.filter((e) => e.type === "retry").map((e) => (e.type === "retry" ? [e.resource, e.reason, e.waitMs] : []))).toEqual([
        ["contacts", "RATE_LIMITED", 2000],
        ["mail", "TRANSIENT", 1000],
        ["calendar", "RATE_LIMITED", 3000],
      ]);
      expect((await counts()).kb_interactions).toBe(1);
    });

    it("reports AUTH failures, and never puts the access token in errors, state, events or the outbox", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, events } = scenario(google, db, {}, {});
      google.createContact(account.email, { names: [{ givenName: "Secret" }], emailAddresses: [{ value: "secret@client.example" }] });
      google.sendMail(account.email, { from: "secret@client.example", to: account.email, subject: "hi" });
      let token = "ya29.wrong-token-value";
      const bad = await engine({}, { getAccessToken: async () => token }).run();
      expect(bad.status).toBe("failed");
      expect(bad.resources[0]!.error?.reason).toBe("AUTH");
      token = account.token;
      google.faults.add({ fault: "500", times: 2 });
      const good = await engine({}, { getAccessToken: async () => token }).run();
      expect(good.status).toBe("ok");
      const states = await engine().states();
      const outbox = await tenant.outbox.poll("token-check", { limit: 1000 });
      const haystack = JSON.stringify([bad, good, states, events, outbox]);
      expect(haystack).not.toContain(account.token);
      expect(haystack).not.toContain("ya29.wrong-token-value");
      expect(haystack).not.toContain("Bearer");
    });
  });
}
