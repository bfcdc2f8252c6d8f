import { describe, expect, it } from "vitest";
import type { EventSpec } from "../src/testing/index.js";
import { ENGINES, googleAndDb } from "./harness.js";
import { scenario } from "./scenario.js";

for (const engineName of ENGINES) {
  describe(`google calendar: ${engineName}`, () => {
    const shared = googleAndDb(engineName);

    it("single, recurring (moved and cancelled instances) and all-day events; change, delete, 410 and a quiet resync", async () => {
      const { google, db } = shared;
      const { account, tenant, engine, counts, events } = scenario(google, db, {}, { contacts: false, mail: false });
      const me = account.email;
      const single = google.putEvent(me, {
        summary: "Kick-off",
        description: "Agenda",
        start: { dateTime: "2026-04-01T10:00:00+02:00", timeZone: "Europe/Amsterdam" },
        end: { dateTime: "2026-04-01T11:00:00+02:00", timeZone: "Europe/Amsterdam" },
        attendees: [
          { email: me, responseStatus: "accepted" },
          { email: "Bea@Client.example", displayName: "Bea Buyer" },
          { email: "c_room1@resource.calendar.google.com", displayName: "Room 1", resource: true },
        ],
      });
      const slots = [1, 2, 3, 4].map((w) => ({ start: `2026-05-0${w * 2 - 1}T09:00:00Z`, end: `2026-05-0${w * 2 - 1}T09:30:00Z` }));
      const series = google.createSeries(
        me,
        { summary: "Weekly", organizer: { email: "kim@client.example", displayName: "Kim" }, attendees: [{ email: me }, { email: "kim@client.example" }] },
        slots,
      );
      // The third instance moves an hour later (an exception), the fourth is cancelled.
      const moved = google.account(me).calendar("primary").get(series[2]!)!;
      google.putEvent(me, {
        ...(moved.body as unknown as EventSpec),
        id: series[2]!,
        start: { dateTime: "2026-05-05T10:00:00Z" },
        end: { dateTime: "2026-05-05T10:30:00Z" },
      });
      google.cancelEvent(me, series[3]!);
      google.putEvent(me, { summary: "Fair", start: { date: "2026-06-10" }, end: { date: "2026-06-12" }, attendees: [{ email: "bea@client.example" }] });

      expect((await engine().run()).status).toBe("ok");
      expect((await counts()).kb_interactions).toBe(5);
      const iCal = google.account(me).calendar("primary").get(single)!.body.iCalUID as string;
      const kickoff = (await tenant.interactions.findByExternalKey(`meeting:${iCal}`))!;
      expect([kickoff.kind, kickoff.channel, kickoff.direction, kickoff.occurredAt, kickoff.subject]).toEqual([
        "meeting",
        "calendar",
        "outbound",
        "2026-04-01T08:00:00.000Z",
        "Kick-off",
      ]);
      const bea = (await tenant.relations.findByEmail("bea@client.example"))[0]!;
      expect(bea.name).toBe("Bea Buyer");
      expect(await tenant.relations.findByEmail("c_room1@resource.calendar.google.com")).toEqual([]);
      const seriesUid = google.account(me).calendar("primary").get(series[0]!)!.body.iCalUID as string;
      const exception = (await tenant.interactions.findByExternalKey(`meeting:${seriesUid}:2026-05-05T09:00:00.000Z`))!;
      expect([exception.occurredAt, exception.direction]).toEqual(["2026-05-05T10:00:00.000Z", "inbound"]);
      expect(await tenant.interactions.findByExternalKey(`meeting:${seriesUid}:2026-05-07T09:00:00.000Z`)).toBeUndefined();
      const kim = (await tenant.relations.findByEmail("kim@client.example"))[0]!;
      expect((await tenant.interactions.timeline(kim.id)).items).toHaveLength(3);
      const fair = (await tenant.interactions.timeline(bea.id)).items.find((i) => i.subject === "Fair")!;
      expect(fair.occurredAt).toBe("2026-06-10T00:00:00.000Z");

      // Incremental: the kick-off is renamed, the first weekly instance cancelled.
      google.putEvent(me, { ...(google.account(me).calendar("primary").get(single)!.body as unknown as EventSpec), summary: "Kick-off (moved)" });
      google.cancelEvent(me, series[0]!);
      expect((await engine().run()).status).toBe("ok");
      expect((await tenant.interactions.findByExternalKey(`meeting:${iCal}`))!.subject).toBe("Kick-off (moved)");
      expect((await tenant.interactions.findByExternalKey(`meeting:${seriesUid}:2026-05-01T09:00:00.000Z`))?.deletedAt).not.toBeNull();

      // 410 → a full pass; an event cancelled meanwhile is reconciled away (the full listing omits it).
      google.cancelEvent(me, series[1]!);
      google.expire(me);
      expect((await engine().run()).status).toBe("ok");
      expect((await tenant.interactions.findByExternalKey(`meeting:${seriesUid}:2026-05-03T09:00:00.000Z`))?.deletedAt).not.toBeNull();
      expect(google.requests.some((r) => r.status === 410)).toBe(true);
      const settled = await counts();
      await engine().run();
      expect(await counts()).toEqual(settled);

      // Faults on the calendar path: a 403 rate limit and a dropped connection are retried.
      google.faults.add({ fault: "rateLimitExceeded", path: /^\/calendar\// });
      google.faults.add({ fault: "drop", path: /^\/calendar\// });
      google.putEvent(me, {
        summary: "Late",
        start: { dateTime: "2026-07-01T09:00:00Z" },
        end: { dateTime: "2026-07-01T10:00:00Z" },
        attendees: [{ email: "bea@client.example" }],
      });
      const retried = await engine().run();
      expect(retried.status).toBe("ok");
      expect((await counts()).kb_interactions).toBe(settled.kb_interactions! + 1);

      // Neither the access token nor the wrong one reaches results, states or events.
      const bad = await engine({}, { getAccessToken: async () => "ya29.wrong-token-value" }).run();
      expect(bad.status).toBe("failed");
      expect(bad.resources[0]!.error?.reason).toBe("AUTH");
      const haystack = JSON.stringify([bad, retried, await engine().states(), events]);
      expect(haystack).not.toContain(account.token);
      expect(haystack).not.toContain("ya29.wrong-token-value");
      expect(haystack).not.toContain("Bearer");
    });
  });
}
