"""Prompt composition for investigation agents from plain inputs (SPEC §4.9, our wording).

System prompt tiers: 0 context (UTC time, weekday), 1 general SRE instructions with evidence
transparency, 2 per-MCP-server instructions and failed-server warnings, 3 agent-specific
instructions, then the task focus. The user prompt carries the alert between explicit markers,
the runbook, the previous stages' results and the task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

GENERAL_INSTRUCTIONS = """\
You are an expert Site Reliability Engineer investigating a production alert. Analyse the alert, \
the runbook and live data from the tools you have; be specific (names, namespaces, timestamps, \
numbers) and say how sure you are.

## Evidence transparency
- Keep facts from the alert apart from facts you verified with tools.
- If a tool failed or returned nothing useful, say so; lower your confidence accordingly.
- Name the gaps in the evidence. Never invent data you did not see."""

TASK_FOCUS = (
    "Focus on finding the root cause and recommending actions for the on-call engineer; "
    "do not perform changes yourself."
)


@dataclass(frozen=True, slots=True)
class SubAgentInfo:
    """One entry of an orchestrator's sub-agent catalog."""

    name: str
    description: str
    mcp_servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PromptInputs:
    alert_type: str
    alert_data: str
    now: datetime
    custom_instructions: str = ""
    server_instructions: Mapping[str, str] = field(default_factory=dict)
    failed_servers: Mapping[str, str] = field(default_factory=dict)
    runbook: str | None = None
    previous_stages: str | None = None
    sub_agents: tuple[SubAgentInfo, ...] = ()
    holidays: Mapping[str, str] = field(default_factory=dict)
    """Global holidays, ``MM-DD`` -> name (``system.holidays``), for the calendar context."""


def system_prompt(inputs: PromptInputs) -> str:
    sections = [
        _context(inputs.now, inputs.holidays),
        GENERAL_INSTRUCTIONS,
        *_tool_and_agent_sections(inputs),
    ]
    if inputs.sub_agents:
        sections += [_orchestration(inputs.sub_agents), ORCHESTRATOR_FOCUS]
    else:
        sections.append(TASK_FOCUS)
    return "\n\n".join(sections)


ORCHESTRATOR_INSTRUCTIONS = """\
## Orchestration
You can delegate focused parts of the investigation to the sub-agents below, several at once.
- `dispatch_agent` with `name` and a self-contained `task` starts one and returns its execution \
id at once. Its result arrives by itself as a message `[Sub-agent completed] <name> (exec <id>)` \
(or `[Sub-agent failed|timed_out|cancelled] ...` with the reason); never guess or predict it.
- `list_agents` shows every sub-agent you dispatched with its status; `cancel_agent` with an \
`execution_id` stops one you no longer need.
- If you answer while sub-agents are still running, you will receive their results before you \
conclude. Weigh their findings like tool output: cite which sub-agent found what."""

ORCHESTRATOR_FOCUS = (
    "Focus on orchestrating the investigation: delegate, combine the sub-agents' evidence, and "
    "recommend actions for the on-call engineer; do not perform changes yourself."
)

SUB_AGENT_NOTE = (
    "## You are a sub-agent\nAn orchestrator gave you one task of a larger investigation and "
    "receives your answer. Stick to the task, use your tools for evidence, and answer concisely "
    "with what you found and how sure you are."
)


def _orchestration(agents: tuple[SubAgentInfo, ...]) -> str:
    lines = []
    for agent in agents:
        servers = f" (tools: {', '.join(agent.mcp_servers)})" if agent.mcp_servers else ""
        lines.append(f"- {agent.name}: {agent.description}{servers}")
    return f"{ORCHESTRATOR_INSTRUCTIONS}\n\nAvailable sub-agents:\n" + "\n".join(lines)


def sub_agent_system_prompt(inputs: PromptInputs) -> str:
    """Tiers 0-3 and the sub-agent note; the user message is the task alone."""
    sections = [
        _context(inputs.now, inputs.holidays),
        GENERAL_INSTRUCTIONS,
        *_tool_and_agent_sections(inputs),
    ]
    sections.append(SUB_AGENT_NOTE)
    return "\n\n".join(sections)


def _opening(inputs: PromptInputs, instructions: str) -> list[str]:
    """Tier 0 (context), Tier 1 (``instructions``), Tiers 2 and 3."""
    return [_context(inputs.now, inputs.holidays), instructions, *_tool_and_agent_sections(inputs)]


def _tool_and_agent_sections(inputs: PromptInputs) -> list[str]:
    """Tier 2 (per-server instructions, unavailable servers) and Tier 3 (the agent's own)."""
    sections = [
        f"## {server} Instructions\n{text.strip()}"
        for server, text in inputs.server_instructions.items()
        if text.strip()
    ]
    if inputs.failed_servers:
        lines = "\n".join(f"- {name}: {err}" for name, err in inputs.failed_servers.items())
        sections.append(
            "## Unavailable tool servers\nThese servers failed to start; their tools are missing "
            f"and you must account for that in your confidence:\n{lines}"
        )
    if inputs.custom_instructions.strip():
        sections.append(f"## Agent-Specific Instructions\n{inputs.custom_instructions.strip()}")
    return sections


def user_prompt(inputs: PromptInputs) -> str:
    parts = _alert_and_runbook(inputs)
    if inputs.previous_stages:
        parts += ["", "## Previous Stage Data", inputs.previous_stages]
    parts += [
        "",
        "## Your task",
        "Investigate this alert with the available tools and report: the root cause, the current "
        "state of the affected system, remediation steps for the on-call engineer, and how to "
        "prevent a recurrence. Cite the source (tool or alert) of each fact about the environment.",
    ]
    return "\n".join(parts)


def _alert_and_runbook(inputs: PromptInputs) -> list[str]:
    parts = [
        "## Alert",
        f"Alert type: {inputs.alert_type}",
        "Alert data:",
        "<<< ALERT DATA START >>>",
        inputs.alert_data,
        "<<< ALERT DATA END >>>",
    ]
    if inputs.runbook:
        parts += ["", "## Runbook", "```markdown", inputs.runbook, "```"]
    return parts


def _context(now: datetime, holidays: Mapping[str, str] | None = None) -> str:
    """Tier 0: the clock, and the calendar day (a global holiday, a weekend day or a weekday)
    with the staffing that usually goes with it."""
    day = now.strftime("%A")
    holiday = (holidays or {}).get(now.strftime("%m-%d"))
    if holiday:
        kind, staffing = f"GLOBAL_HOLIDAY ({holiday})", "reduced"
    elif now.weekday() >= 5:
        kind, staffing = "WEEKEND", "reduced"
    else:
        kind, staffing = "WEEKDAY", "normal"
    return (
        "## Context\n"
        f"Current time (UTC): {now.strftime('%Y-%m-%d %H:%M:%S')} ({day}, {kind}). "
        f"Expect {staffing} staffing. "
        "Rely on this clock, not on timestamps inside the alert, for what 'now' is."
    )


SYNTHESIS_INSTRUCTIONS = """\
You combine the results of several investigations of the same alert that ran in parallel into \
one conclusion for the on-call engineer. Judge each investigation by the quality of its \
evidence: findings backed by tool output outrank claims that only restate the alert. Say which \
agent found what, resolve contradictions explicitly, and note investigations that failed."""

EXEC_SUMMARY_INSTRUCTIONS = """\
You write the executive summary of an incident investigation for a notification: one to four \
short lines, factual, stating what happened, the root cause if known, and its impact. Use only \
what the analysis says; do not add actions or conclusions of your own."""


def synthesis_system_prompt(
    now: datetime, custom_instructions: str = "", holidays: Mapping[str, str] | None = None
) -> str:
    sections = [_context(now, holidays), SYNTHESIS_INSTRUCTIONS]
    if custom_instructions.strip():
        sections.append(f"## Agent-Specific Instructions\n{custom_instructions.strip()}")
    return "\n\n".join(sections)


def synthesis_user_prompt(alert_data: str, runbook: str | None, parallel_results: str) -> str:
    parts = [
        "## Alert data",
        "<<< ALERT DATA START >>>",
        alert_data,
        "<<< ALERT DATA END >>>",
    ]
    if runbook:
        parts += ["", "## Runbook", "```markdown", runbook, "```"]
    parts += [
        "",
        "## Results of the parallel investigations",
        parallel_results,
        "",
        "## Your task",
        "Synthesize these results into one analysis: the most likely root cause with your "
        "confidence (HIGH, MEDIUM or LOW), the evidence for it and which agent found it, the "
        "current state, and the recommended actions.",
    ]
    return "\n".join(parts)


def exec_summary_system_prompt(now: datetime, holidays: Mapping[str, str] | None = None) -> str:
    return "\n\n".join([_context(now, holidays), EXEC_SUMMARY_INSTRUCTIONS])


def exec_summary_user_prompt(final_analysis: str) -> str:
    return (
        "Summarize this investigation's final analysis in one to four lines. Do not add "
        "actions that the analysis does not recommend.\n\n"
        "<<< FINAL ANALYSIS START >>>\n"
        f"{final_analysis}\n"
        "<<< FINAL ANALYSIS END >>>"
    )


CHAT_INSTRUCTIONS = """\
You are an expert Site Reliability Engineer answering follow-up questions about an incident \
investigation that has already finished. You have its full history below and the same tools it \
had. Answer the engineer's question directly; use the tools when the question needs fresh or \
additional data, and say so when the investigation's evidence does not cover the question."""

CHAT_GUIDELINES = (
    "Keep answers focused on the question. Cite where each fact comes from (the investigation, "
    "a tool call you made now, or the alert). Never invent data you did not see."
)


def chat_system_prompt(inputs: PromptInputs) -> str:
    sections = [
        _context(inputs.now, inputs.holidays),
        CHAT_INSTRUCTIONS,
        *_tool_and_agent_sections(inputs),
    ]
    if inputs.sub_agents:
        sections.append(_orchestration(inputs.sub_agents))
    sections.append(CHAT_GUIDELINES)
    return "\n\n".join(sections)


def chat_user_prompt(inputs: PromptInputs, history: str, question: str) -> str:
    parts = _alert_and_runbook(inputs)
    parts += ["", history, "", "## Current question", question]
    return "\n".join(parts)
