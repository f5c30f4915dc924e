"""The built-in masking patterns and pattern groups (SPEC §8 names and replacement markers).

A pattern keeps what introduces a secret (``password: ``, ``--token=``, ``://user:``) and
replaces only the secret, its first capture group that took part in the match (the whole match
when it has none), with the pattern's marker; the model still sees that a password was there.

How a pattern is scanned (``BuiltinPattern.scan``):

- ``keyword``: branches written for *lower-cased* text, each starting with a literal character.
  All active keyword branches form one regex, run once over ``text.lower()``; since every
  branch starts with a literal, the regex engine skips other characters in C. So each branch
  starts at a *rare* character: ``key`` at ``k``, ``password`` at its ``w`` (with a lookbehind
  for ``pass``), a PEM block at the ``b`` of ``-----begin`` with ``lead=5``: the match really
  starts five characters earlier. Every built-in is therefore case-insensitive.
- ``alone``: a regex of its own over the original text, starting with a literal.
- ``lexer``: a regex of its own that consumes everything up to the next secret in one go and
  captures the secret as group 1 (base64 runs: no restart at every character of every word).
- ``email``: found from each ``@`` (``scanner``); ``branches[0]`` matches the domain.

Rules that keep the passes safe to merge and masking idempotent: no pattern matches the empty
string; no secret starts on a marker (``NOT_MASKED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

KUBERNETES_SECRET = "kubernetes_secret"
CODE_MASKERS: frozenset[str] = frozenset({KUBERNETES_SECRET})

Scan = Literal["keyword", "alone", "lexer", "email"]


@dataclass(frozen=True, slots=True)
class Branch:
    """One alternative of a pattern; its match starts ``lead`` characters before the regex."""

    regex: str
    lead: int = 0


@dataclass(frozen=True, slots=True)
class BuiltinPattern:
    """A named pattern: its branches, the marker that replaces the secret, its purpose."""

    name: str
    branches: tuple[Branch, ...]
    marker: str
    description: str
    scan: Scan = "keyword"


NOT_MASKED = r"(?!\[(?:masked_|redacted))"
"""A secret never starts with one of our markers: masked text is left alone the second time."""

# key, optional closing quote (perhaps JSON-escaped), ':' or '=', optional opening quote.
_SEP = r"""\\?["']?[ \t]*[:=][ \t]*(?:\\?["'])?"""
_KEY_TAIL = r"[\w.-]{0,40}+"  # the rest of a key's name; bounded, so "keykeykey..." stays linear
# After a quote: up to the closing quote; unquoted: at least N characters up to a blank/quote.
_QUOTED_OR_BARE = r"""(?:(?<=")[^"\\\n]+|(?<=')[^'\\\n]+|(?<!["'])[^\s"'\\]{%d,})"""
_LONG = r"[a-z0-9_\-+/=.~%]{20,}"
_TOKEN = r"""(?!https?://)[^\s"'\\,;<>]{%d,}"""  # a URL after "token_uri:" is no token
_B64 = "a-z0-9+/"
_ANY_B64 = "A-Za-z0-9+/"


def _keyed(key: str, value: str, lead: int = 0) -> Branch:
    """``key`` (a regex starting with a literal), the rest of its name, a separator, then the
    secret as group 1."""
    return Branch(f"{key}{_KEY_TAIL}{_SEP}{NOT_MASKED}({value})", lead)


def _word(word: str, at: str) -> tuple[str, int]:
    """A regex for the literal ``word`` that starts at its first ``at`` and checks the part
    before with a lookbehind, and that part's length: the branch's ``lead``."""
    index = word.index(at)
    if index == 0:
        return _escape(word), 0
    head = _escape(word[: index + 1])
    return f"{_escape(at)}(?<={head}){_escape(word[index + 1 :])}", index


def _escape(text: str) -> str:
    return "".join("\\" + c if c in ".-+*?()[]{}|^$\\" else c for c in text)


def _keyed_word(word: str, at: str, value: str, suffix: str = "") -> Branch:
    regex, lead = _word(word, at)
    return _keyed(regex + suffix, value, lead)


# A base64 run worth masking: 20+ characters with a digit and a letter; if it has a '/', both
# cases too (paths stay visible); then at most two '=' and the end of the run, where neither
# more base64 nor a marker follows ("key=value" is no base64; '[' keeps that so once the value
# is masked), nor a ':' (a key: masking it would leave its value behind).
_GOOD_RUN = (
    f"(?=[{_ANY_B64}]{{20}})(?=[{_ANY_B64}]*[0-9])(?=[{_ANY_B64}]*[A-Za-z])"
    f"(?:(?=[A-Za-z0-9+]*+(?!/))|(?=[{_ANY_B64}]*[A-Z])(?=[{_ANY_B64}]*[a-z]))"
    f"(?=[{_ANY_B64}]++={{0,2}}(?![{_ANY_B64}=\\[])(?!\\\\?[\"']?[ \\t]*:))"
)
_BASE64_LEXER = (
    f"(?:(?<=[{_ANY_B64}])[{_ANY_B64}]++)?"  # the rest of a run we start inside of
    f"(?:[^{_ANY_B64}]++|(?!{_GOOD_RUN})[{_ANY_B64}]++)*+"  # everything not worth masking
    f"(?:([{_ANY_B64}]++={{0,2}})|\\Z)"
)

_PATTERNS: tuple[BuiltinPattern, ...] = (
    BuiltinPattern(
        "certificate",
        (
            Branch(
                r"b(?<=-----b)egin [a-z0-9 ]{1,64}-----"
                r"(?:(?:[^-]++|-(?!----))*+-----end [a-z0-9 ]{1,64}-----"  # body up to "-----"
                r"|[a-z0-9+/=\s\\:,.-]*+)",  # no END line: what looks like the body
                lead=5,
            ),
        ),
        "[MASKED_CERTIFICATE]",
        "PEM blocks (certificates, private keys), also when cut off before their END line",
    ),
    BuiltinPattern(
        "certificate_authority_data",
        (
            _keyed_word("certificate-authority-data", "y", f"[{_B64}=]{{20,}}"),
            _keyed("client-(?:certificate|key)-data", f"[{_B64}=]{{20,}}"),
        ),
        "[MASKED_CA_CERTIFICATE]",
        "kubeconfig certificate-authority-data, client-certificate-data and client-key-data",
    ),
    BuiltinPattern(
        "ssh_key",
        (
            Branch(r"h(?<=ssh)-(?:rsa|dss|ed25519)[ \t]+(aaaa[a-z0-9+/]+=*)", lead=2),
            Branch(r"h(?<=ecdsa-sh)a2-nistp\d{3}[ \t]+(aaaa[a-z0-9+/]+=*)", lead=7),
        ),
        "[MASKED_SSH_KEY]",
        "OpenSSH public keys (ssh-rsa, ssh-dss, ssh-ed25519, ecdsa-sha2-nistp*)",
    ),
    BuiltinPattern(
        "aws_access_key",
        (
            _keyed_word("aws_access_key_id", "k", r"(?:akia|asia)[0-9a-z]{16}(?![0-9a-z])"),
            Branch(r"k(?<=[^0-9a-z]ak)ia[0-9a-z]{16}(?![0-9a-z])", lead=1),
            Branch(r"k(?<=\Aak)ia[0-9a-z]{16}(?![0-9a-z])", lead=1),
        ),
        "[MASKED_AWS_KEY]",
        "AWS access key ids: AKIA + 16 anywhere, AKIA or ASIA + 16 after aws_access_key_id",
    ),
    BuiltinPattern(
        "aws_secret_key",
        (_keyed_word("aws_secret_access_key", "k", r"[a-z0-9/+=]{40}(?![a-z0-9/+=])"),),
        "[MASKED_AWS_SECRET]",
        "aws_secret_access_key values (40 characters)",
    ),
    BuiltinPattern(
        "github_token",
        (
            _keyed_word("github_token", "k", _TOKEN % 8),
            Branch(r"g(?<![a-z0-9]g)h[pousr]_[a-z0-9]{20,}"),  # a token starts a word
            Branch(r"g(?<![a-z0-9]g)ithub_pat_[a-z0-9_]{20,}"),
        ),
        "[MASKED_GITHUB_TOKEN]",
        "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and github_token values",
    ),
    BuiltinPattern(
        "slack_token",
        (
            Branch(r"x(?<![a-z0-9]x)ox[baprse]-[a-z0-9-]{10,}"),
            Branch(r"k(?<=https://hook)s\.slack\.com/services/([a-z0-9/_-]{16,})", lead=11),
        ),
        "[MASKED_SLACK_TOKEN]",
        "Slack tokens (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-, xoxe-) and incoming-webhook paths",
    ),
    BuiltinPattern(
        "private_key",
        tuple(_keyed_word(f"private{s}key", "k", _LONG) for s in ("_", "-", "")),
        "[MASKED_PRIVATE_KEY]",
        "private_key values (20 characters or more)",
    ),
    BuiltinPattern(
        "secret_key",
        (
            *(_keyed_word(f"secret{s}key", "k", _LONG) for s in ("_", "-", "")),
            _keyed("client[_-]?secret", _LONG),
        ),
        "[MASKED_SECRET_KEY]",
        "secret_key and client_secret values (20 characters or more)",
    ),
    BuiltinPattern(
        "api_key",
        (_keyed("key", _LONG),),
        "[MASKED_API_KEY]",
        "api_key, apikey and every other *key value (20 characters or more)",
    ),
    BuiltinPattern(
        "token",
        (
            _keyed_word("token", "k", _TOKEN % 20),
            Branch(f"{_word('--token', 'k')[0]}[ \\t]+{NOT_MASKED}({_TOKEN % 20})", lead=4),
            _keyed("jwt", _TOKEN % 20),
            Branch(f"bearer(?:{_SEP}|[ \\t]+){NOT_MASKED}({_TOKEN % 20})"),
            Branch(
                f"{_word('authorization', 'z')[0]}{_SEP}"
                f"(?:(?:basic|bearer|token|digest)[ \\t]+)?{NOT_MASKED}({_TOKEN % 8})",
                lead=7,
            ),
            Branch(
                r"j(?<=eyj)(?<![a-z0-9_-]eyj)[a-z0-9_-]{8,}+\.eyj[a-z0-9_-]{8,}+\.[a-z0-9_-]*+",
                lead=2,
            ),
        ),
        "[MASKED_TOKEN]",
        "token, jwt, bearer and Authorization values, --token flags, bare JWTs",
    ),
    BuiltinPattern(
        "password",
        (
            _keyed_word("passw", "w", _QUOTED_OR_BARE % 6, suffix="(?:or)?d"),
            _keyed_word("passphrase", "h", _QUOTED_OR_BARE % 6),
            _keyed("pass(?<![a-z]pass)(?![a-z])", _QUOTED_OR_BARE % 6),
            _keyed_word("pwd", "w", _QUOTED_OR_BARE % 6, suffix="(?<![a-z]pwd)(?![a-z])"),
            # '/', '[' and ']' are never literal in a URL's userinfo (RFC 3986), so a value
            # holding an earlier marker is not taken for a password.
            Branch(f"://[^\\s:/@'\"]*+:{NOT_MASKED}([^\\s/@'\"\\[\\]]++)(?=@)"),
        ),
        "[MASKED_PASSWORD]",
        "password, passwd, passphrase, pass and pwd values; passwords in URLs (://user:pw@)",
    ),
    BuiltinPattern(
        "email",
        (Branch(r"@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"),),
        "[MASKED_EMAIL]",
        "e-mail addresses",
        scan="email",
    ),
    BuiltinPattern(
        "base64_secret",
        (Branch(_BASE64_LEXER),),
        "[MASKED_BASE64_VALUE]",
        "standalone base64 runs of 20 characters or more with a digit and a letter (and both"
        " cases when they contain '/', so that paths stay visible); aggressive",
        scan="lexer",
    ),
    BuiltinPattern(
        "base64_short",
        (
            Branch(
                r":[ \t]+((?=[A-Za-z0-9+/]*=|(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])"
                r"(?=[A-Za-z0-9+/]*[0-9]))(?:[A-Za-z0-9+/]{4}){0,3}"
                r"(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==))"
                r"(?=[\s,}\]\"']|\Z)"
            ),
        ),
        "[MASKED_SHORT_BASE64]",
        "short base64 values after ': ' (4 to 16 characters; padded, or mixed case and digits)",
        scan="alone",
    ),
)

BUILTIN_PATTERNS: Mapping[str, BuiltinPattern] = MappingProxyType({p.name: p for p in _PATTERNS})
"""Every built-in regex pattern by name, in priority order (earlier wins at the same place)."""

PATTERN_NAMES: frozenset[str] = frozenset(BUILTIN_PATTERNS) | CODE_MASKERS

PATTERN_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "basic": ("api_key", "password"),
        "secrets": ("api_key", "password", "token", "private_key", "secret_key"),
        "security": (
            "api_key",
            "password",
            "token",
            "certificate",
            "certificate_authority_data",
            "email",
            "ssh_key",
        ),
        "kubernetes": (KUBERNETES_SECRET, "api_key", "password", "certificate_authority_data"),
        "cloud": ("aws_access_key", "aws_secret_key", "api_key", "token"),
        "all": (KUBERNETES_SECRET, *BUILTIN_PATTERNS),
    }
)
"""The built-in pattern groups of SPEC §8; ``all`` is every pattern and the code masker."""
