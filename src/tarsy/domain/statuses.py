"""Snake_case status enums shared by the database, the API and the dashboard."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

ExecutionPhase = Literal[
    "investigating",
    "remediating",
    "gathering_info",
    "distilling",
    "concluding",
    "synthesizing",
    "finalizing",
]
"""What an agent execution is doing now (``execution.progress``)."""


class SessionStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    CANCELLING = "cancelling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_SESSION_STATUSES


TERMINAL_SESSION_STATUSES = frozenset(
    {
        SessionStatus.COMPLETED,
        SessionStatus.FAILED,
        SessionStatus.CANCELLED,
        SessionStatus.TIMED_OUT,
    }
)
ACTIVE_SESSION_STATUSES = frozenset({SessionStatus.IN_PROGRESS, SessionStatus.CANCELLING})


class StageStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


class StageType(StrEnum):
    INVESTIGATION = "investigation"
    SYNTHESIS = "synthesis"
    CHAT = "chat"
    EXEC_SUMMARY = "exec_summary"
    SCORING = "scoring"
    ACTION = "action"


class ParallelType(StrEnum):
    MULTI_AGENT = "multi_agent"
    REPLICA = "replica"


class SuccessPolicy(StrEnum):
    ALL = "all"
    ANY = "any"


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


class TimelineStatus(StrEnum):
    STREAMING = "streaming"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


class TimelineEventType(StrEnum):
    LLM_THINKING = "llm_thinking"
    LLM_RESPONSE = "llm_response"
    LLM_TOOL_CALL = "llm_tool_call"
    MCP_TOOL_SUMMARY = "mcp_tool_summary"
    ERROR = "error"
    USER_QUESTION = "user_question"
    EXECUTIVE_SUMMARY = "executive_summary"
    FINAL_ANALYSIS = "final_analysis"
    CODE_EXECUTION = "code_execution"
    GOOGLE_SEARCH_RESULT = "google_search_result"
    URL_CONTEXT_RESULT = "url_context_result"
    TASK_ASSIGNED = "task_assigned"
    PROVIDER_FALLBACK = "provider_fallback"
    SKILL_LOADED = "skill_loaded"
    MEMORY_INJECTED = "memory_injected"


class MessageRole(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class LLMInteractionType(StrEnum):
    ITERATION = "iteration"
    FINAL_ANALYSIS = "final_analysis"
    EXECUTIVE_SUMMARY = "executive_summary"
    CHAT_RESPONSE = "chat_response"
    SUMMARIZATION = "summarization"
    SYNTHESIS = "synthesis"
    FORCED_CONCLUSION = "forced_conclusion"
    SCORING = "scoring"
    MEMORY_EXTRACTION = "memory_extraction"


class MCPInteractionType(StrEnum):
    TOOL_CALL = "tool_call"
    TOOL_LIST = "tool_list"


class ReviewStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"
    IN_PROGRESS = "in_progress"
    REVIEWED = "reviewed"


class QualityRating(StrEnum):
    ACCURATE = "accurate"
    PARTIALLY_ACCURATE = "partially_accurate"
    INACCURATE = "inaccurate"
