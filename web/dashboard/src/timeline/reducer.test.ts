import { beforeEach, describe, expect, it } from "vitest";

import type { SessionEvent } from "../live/events";
import { EXEC, SID, STAGE, detail, ev, resetDb, row } from "./fixtures";
import { initialState, sessionReducer } from "./reducer";
import { buildTree, executiveSummary, finalAnalysis } from "./selectors";
import type { SessionViewState } from "./types";

const apply = (state: SessionViewState, events: SessionEvent[]) =>
  events.reduce((s, event) => sessionReducer(s, { type: "event", event }), state);

const fresh = () => initialState(SID);

/** What a user sees: statuses and the text of every event, in timeline order. */
function visible(state: SessionViewState) {
  const tree = buildTree(state);
  return {
    status: state.status,
    stages: tree.stages.map((s) => ({
      id: s.stage.stageId,
      status: s.stage.status,
      executions: s.executions.map((e) => ({
        id: e.execution.executionId,
        status: e.execution.status,
        events: e.events.map((i) => [i.eventId, i.eventType, i.status, i.content]),
      })),
    })),
    loose: tree.loose.map((i) => i.eventId),
  };
}

/** A whole investigation as the socket delivers it. */
function normalStream(): SessionEvent[] {
  return [
    ev.sessionStatus("in_progress"),
    ev.stage("started"),
    ev.execution("active"),
    ev.progress("investigating", "Iteration 1/20"),
    ev.created("think", 1, "llm_thinking"),
    ev.chunk("think", "Start from "),
    ev.chunk("think", "live state."),
    ev.completed("think", "Start from live state.", "llm_thinking"),
    ev.created("tool", 2, "llm_tool_call"),
    ev.completed("tool", "pod api-7d9 CrashLoopBackOff", "llm_tool_call"),
    ev.created("answer", 3, "llm_response"),
    ev.chunk("answer", "## Root"),
    ev.chunk("answer", " cause"),
    ev.completed("answer", "## Root cause"),
    ev.created("final", 4, "final_analysis", "completed", "## Root cause"),
    ev.execution("completed"),
    ev.stage("completed"),
    ev.sessionStatus("completed"),
  ];
}

beforeEach(() => resetDb());

describe("normal stream", () => {
  it("builds stages -> executions -> events with streamed then final text", () => {
    const events = normalStream();
    const midway = apply(fresh(), events.slice(0, 13));
    expect(midway.events.answer?.content).toBe("## Root cause");
    expect(midway.events.answer?.status).toBe("streaming");
    expect(midway.executions[EXEC]?.progress).toEqual({ phase: "investigating", message: "Iteration 1/20" });
    expect(midway.status).toBe("in_progress");

    const state = apply(fresh(), events);
    expect(visible(state)).toEqual({
      status: "completed",
      stages: [
        {
          id: STAGE,
          status: "completed",
          executions: [
            {
              id: EXEC,
              status: "completed",
              events: [
                ["think", "llm_thinking", "completed", "Start from live state."],
                ["tool", "llm_tool_call", "completed", "pod api-7d9 CrashLoopBackOff"],
                ["answer", "llm_response", "completed", "## Root cause"],
                ["final", "final_analysis", "completed", "## Root cause"],
              ],
            },
          ],
        },
      ],
      loose: [],
    });
    expect(state.executions[EXEC]?.progress).toBeNull();
    expect(finalAnalysis(state)).toBe("## Root cause");
    expect(state.refreshHint).toBeGreaterThan(0); // the execution's name comes from REST
  });

  it("nests sub-agents under their orchestrator and finds the executive summary", () => {
    let state = apply(fresh(), [
      ev.stage("started"),
      ev.execution("active"),
      ev.execution("active", "sub-1", EXEC),
      ev.created("sub-answer", 1, "llm_response", "completed", "sub result", "sub-1"),
    ]);
    const tree = buildTree(state);
    expect(tree.stages[0]?.executions).toHaveLength(1);
    expect(tree.stages[0]?.executions[0]?.subAgents[0]?.execution.executionId).toBe("sub-1");
    expect(tree.stages[0]?.executions[0]?.subAgents[0]?.events[0]?.content).toBe("sub result");

    state = sessionReducer(state, {
      type: "snapshot",
      session: { ...detail("completed", "completed"), executive_summary: "All good." },
    });
    expect(executiveSummary(state)).toBe("All good.");
  });
});

describe("duplicates", () => {
  it("applies a persisted event once per db_event_id", () => {
    const events = normalStream();
    const once = apply(fresh(), events);
    const persisted = events.filter((e) => e.db_event_id !== undefined);
    const twice = apply(once, persisted);
    expect(twice).toBe(once);
  });

  it("ignores a re-delivered created (new db id) for a known event_id", () => {
    let state = apply(fresh(), [ev.stage("started"), ev.execution("active"), ev.created("a", 1), ev.chunk("a", "hello")]);
    state = apply(state, [ev.created("a", 1)]); // e.g. catch-up on a new connection
    expect(state.events.a?.content).toBe("hello");
    state = apply(state, [ev.completed("a", "hello world"), ev.completed("a", "hello world")]);
    expect(state.events.a?.content).toBe("hello world");
    state = apply(state, [ev.created("a", 1)]);
    expect(state.events.a).toMatchObject({ content: "hello world", status: "completed", final: true });
  });
});

describe("out of order", () => {
  it("buffers chunks that arrive before their created", () => {
    const state = apply(fresh(), [
      ev.stage("started"),
      ev.execution("active"),
      ev.chunk("a", "Hel"),
      ev.chunk("a", "lo"),
      ev.created("a", 1),
      ev.chunk("a", "!"),
    ]);
    expect(state.events.a?.content).toBe("Hello!");
    expect(state.pendingChunks).toEqual({});
  });

  it("lets completed win over chunks that arrive after it", () => {
    const state = apply(fresh(), [
      ev.stage("started"),
      ev.execution("active"),
      ev.created("a", 1),
      ev.completed("a", "final text"),
      ev.chunk("a", "final "),
      ev.chunk("a", "text"),
    ]);
    expect(state.events.a).toMatchObject({ content: "final text", status: "completed" });
  });

  it("keeps a completed that arrives before its created, and places it when created comes", () => {
    let state = apply(fresh(), [ev.stage("started"), ev.execution("active"), ev.completed("a", "done")]);
    expect(buildTree(state).loose.map((i) => i.eventId)).toEqual(["a"]);
    state = apply(state, [ev.chunk("a", "late"), ev.created("a", 7)]);
    expect(state.events.a).toMatchObject({ content: "done", status: "completed", sequence: 7, executionId: EXEC });
    expect(buildTree(state).stages[0]?.executions[0]?.events.map((i) => i.eventId)).toEqual(["a"]);
    expect(buildTree(state).loose).toEqual([]);
  });

  it("converges to the same view for any order of the stream's events", () => {
    const events = normalStream();
    const expected = visible(apply(fresh(), events));
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 200; run += 1) {
      const shuffled = [...events];
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as SessionEvent, shuffled[i] as SessionEvent];
      }
      expect(visible(apply(fresh(), shuffled))).toEqual(expected);
    }
  });
});

describe("missed events, then catch-up", () => {
  it("converges when chunks were missed and persisted events are replayed", () => {
    const events = normalStream();
    // Connected until the first chunk of the answer, then offline: the rest is missed.
    const cut = events.findIndex((e) => e.type === "stream.chunk" && e.event_id === "answer") + 1;
    const before = apply(fresh(), events.slice(0, cut));
    expect(before.events.answer?.content).toBe("## Root");
    // Reconnect: catch-up replays every persisted event after... here: all of them (a
    // subscribe without last_event_id); the ones already applied are no-ops.
    const replay = events.filter((e) => e.db_event_id !== undefined);
    const after = apply(before, replay);
    expect(after.events.answer?.content).toBe("## Root cause");
    // `execution.status` is transient and was missed: the state asks for a REST reload...
    expect(after.executions[EXEC]?.status).toBe("active");
    expect(after.refreshHint).toBeGreaterThan(before.refreshHint);
    // ...which brings it to what an uninterrupted client shows.
    const reloaded = sessionReducer(after, { type: "snapshot", session: detail("completed", "completed") });
    expect(visible(reloaded)).toEqual(visible(apply(fresh(), events)));
  });

  it("treats a replay of everything already applied as a no-op", () => {
    const events = normalStream();
    const state = apply(fresh(), events);
    const replayed = apply(state, events.filter((e) => e.db_event_id !== undefined));
    expect(replayed).toBe(state);
  });
});

describe("snapshot after live events (reload)", () => {
  it("keeps streamed text over an older streaming row, then takes the final row", () => {
    let state = apply(fresh(), [ev.stage("started"), ev.execution("active"), ev.created("a", 1), ev.chunk("a", "partial")]);
    state = sessionReducer(state, { type: "snapshot", session: detail("in_progress"), timeline: [row("a", 1, "streaming", "")] });
    expect(state.events.a?.content).toBe("partial");
    expect(state.executions[EXEC]?.agentName).toBe("KubernetesAgent");
    state = apply(state, [ev.chunk("a", " more")]);
    expect(state.events.a?.content).toBe("partial more");
    state = sessionReducer(state, {
      type: "snapshot",
      session: detail("completed", "completed"),
      timeline: [row("a", 1, "completed", "partial more text")],
    });
    expect(state.events.a).toMatchObject({ content: "partial more text", final: true, llmInteractionId: "llm-a" });
    expect(state.status).toBe("completed");
  });

  it("does not let an older snapshot move statuses or final events backwards", () => {
    const events = normalStream();
    const live = apply(fresh(), events);
    const stale = sessionReducer(live, {
      type: "snapshot",
      session: detail("in_progress", "active"),
      timeline: [row("think", 1, "streaming", ""), row("answer", 3, "streaming", "")],
    });
    expect(visible(stale)).toEqual(visible(live));
  });

  it("converges: live-then-snapshot equals snapshot-then-replay", () => {
    const events = normalStream();
    const rows = [
      row("think", 1, "completed", "Start from live state.", "llm_thinking"),
      row("tool", 2, "completed", "pod api-7d9 CrashLoopBackOff", "llm_tool_call"),
      row("answer", 3, "completed", "## Root cause"),
      row("final", 4, "completed", "## Root cause", "final_analysis"),
    ];
    const snapshot = { type: "snapshot" as const, session: detail("completed", "completed"), timeline: rows };
    const liveFirst = sessionReducer(apply(fresh(), events.slice(0, 12)), snapshot);
    const afterLive = apply(liveFirst, events.slice(12));
    const snapshotFirst = apply(sessionReducer(fresh(), snapshot), events);
    expect(visible(afterLive)).toEqual(visible(snapshotFirst));
    expect(visible(snapshotFirst).status).toBe("completed");
    expect(visible(snapshotFirst).stages[0]?.executions[0]?.events).toHaveLength(4);
  });

  it("flushes chunks buffered before the row that places them", () => {
    let state = apply(fresh(), [ev.chunk("a", "early ")]);
    state = sessionReducer(state, { type: "snapshot", session: detail("in_progress"), timeline: [row("a", 1, "streaming", "")] });
    expect(state.events.a?.content).toBe("early ");
    expect(state.pendingChunks).toEqual({});
  });

  it("ignores snapshots and events of another session", () => {
    const state = fresh();
    expect(sessionReducer(state, { type: "snapshot", session: { ...detail("completed"), id: "other" } })).toBe(state);
    expect(sessionReducer(state, { type: "event", event: { ...ev.sessionStatus("failed"), session_id: "other" } })).toBe(state);
  });
});
