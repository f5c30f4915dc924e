import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { backoffDelay } from "./backoff";
import { LiveClient, type SocketLike } from "./client";
import type { SessionEvent } from "./events";

class FakeSocket implements SocketLike {
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
  }
  receive(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.onclose?.({});
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const delays: number[] = [];
  const client = new LiveClient({
    url: "ws://test/api/v1/ws",
    connect: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onReconnectScheduled: (delay) => delays.push(delay),
  });
  return { client, sockets, delays, last: () => sockets[sockets.length - 1] as FakeSocket };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("backoff", () => {
  it("doubles from 200 ms and caps at 3 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffDelay)).toEqual([200, 400, 800, 1600, 3000, 3000, 3000]);
  });

  it("reconnects on that schedule and resets after a successful open", () => {
    const { client, sockets, delays, last } = setup();
    client.subscribe("sessions", { onEvent: () => undefined });
    for (let i = 0; i < 6; i += 1) {
      last().drop();
      vi.advanceTimersByTime(3000);
    }
    expect(delays).toEqual([200, 400, 800, 1600, 3000, 3000]);
    expect(sockets).toHaveLength(7);
    last().onopen?.({});
    last().drop();
    expect(delays[delays.length - 1]).toBe(200);
    client.close();
  });
});

describe("subscriptions", () => {
  it("re-subscribes with the last db_event_id per channel after a reconnect", () => {
    const { client, last } = setup();
    const seen: SessionEvent[] = [];
    client.subscribe("session:s1", { onEvent: (e) => seen.push(e) });
    last().onopen?.({});
    expect(last().sent).toEqual([{ action: "subscribe", channel: "session:s1" }]);
    last().receive({ type: "subscription.confirmed", channel: "session:s1" });
    last().receive({ type: "session.status", session_id: "s1", status: "in_progress", db_event_id: 7 });
    last().receive({ type: "stream.chunk", session_id: "s1", event_id: "e", delta: "x" });
    last().receive({ type: "session.status", status: "in_progress" }); // no session_id: dropped
    expect(seen.map((e) => e.type)).toEqual(["session.status", "stream.chunk"]);
    last().drop();
    vi.advanceTimersByTime(200);
    last().onopen?.({});
    expect(last().sent).toEqual([{ action: "subscribe", channel: "session:s1", last_event_id: 7 }]);
    client.close();
  });

  it("ref-counts listeners of one channel", () => {
    const { client, last } = setup();
    const a = client.subscribe("sessions", { onEvent: () => undefined });
    last().onopen?.({});
    const b = client.subscribe("sessions", { onEvent: () => undefined });
    a();
    expect(last().sent).toEqual([{ action: "subscribe", channel: "sessions" }]);
    b();
    expect(last().sent[1]).toEqual({ action: "unsubscribe", channel: "sessions" });
    client.close();
  });

  it("delivers list events to the sessions channel too", () => {
    const { client, last } = setup();
    const list: string[] = [];
    client.subscribe("sessions", { onEvent: (e) => list.push(e.type) });
    last().onopen?.({});
    last().receive({ type: "session.progress", session_id: "s9", status_text: "x" });
    last().receive({ type: "stream.chunk", session_id: "s9", event_id: "e", delta: "x" });
    expect(list).toEqual(["session.progress"]);
    client.close();
  });
});

describe("reload requests", () => {
  it("debounces catchup.overflow and truncated stubs into one reload", () => {
    const { client, last } = setup();
    const reload = vi.fn();
    const onEvent = vi.fn();
    client.subscribe("session:s1", { onEvent, onReload: reload });
    last().onopen?.({});
    last().receive({ type: "catchup.overflow", channel: "session:s1", has_more: true });
    vi.advanceTimersByTime(100);
    last().receive({ type: "execution.progress", session_id: "s1", truncated: true });
    expect(reload).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(reload).toHaveBeenCalledTimes(1);
    expect(onEvent).not.toHaveBeenCalled();
    client.close();
  });
});

describe("liveness", () => {
  it("pings every 20 s and reconnects when no pong comes within 10 s", () => {
    const { client, sockets, last } = setup();
    client.subscribe("sessions", { onEvent: () => undefined });
    last().onopen?.({});
    vi.advanceTimersByTime(20_000);
    expect(last().sent.at(-1)).toEqual({ action: "ping" });
    last().receive({ type: "pong" });
    vi.advanceTimersByTime(20_000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(sockets[0]?.closed).toBe(true);
    vi.advanceTimersByTime(200);
    expect(sockets).toHaveLength(2);
    client.close();
  });
});
