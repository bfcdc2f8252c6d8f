import { describe, expect, it } from "vitest";
import { meetingKey } from "../src/sync/index.js";

describe("meetingKey", () => {
  it("keys a single meeting by its UID alone", () => {
    expect(meetingKey("040000008200E00074C5B7101A82E008")).toBe("meeting:040000008200E00074C5B7101A82E008");
  });

  it("writes an instance's original start as one UTC instant, whatever offset or precision the provider used", () => {
    // Graph writes `2026-03-10T09:00:00Z`; Google writes the same slot with the calendar's offset.
    const graph = meetingKey("uid@example.com", "2026-03-10T09:00:00Z");
    expect(graph).toBe("meeting:uid@example.com:2026-03-10T09:00:00.000Z");
    expect(meetingKey("uid@example.com", "2026-03-10T10:00:00+01:00")).toBe(graph);
    expect(meetingKey("uid@example.com", "2026-03-10T09:00:00.000Z")).toBe(graph);
    expect(meetingKey("uid@example.com", "2026-03-10T09:00:01Z")).not.toBe(graph);
  });

  it("keeps an unreadable start as written rather than inventing an instant", () => {
    expect(meetingKey("u", "not a time")).toBe("meeting:u:not a time");
  });
});
