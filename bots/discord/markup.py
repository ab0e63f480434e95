"""Discord's message markup as plain text, before the core's cleanup takes over.

What :meth:`core.service.VoiceService.prepare` calls as ``markup=`` for a Discord message (build it with
:func:`to_plain`): it runs after ``normalize_input`` and before ``clean_for_speech``.

* user, role and channel mentions ``<@123>``, ``<@!123>``, ``<@&123>``, ``<#123>`` become ``names[id]``
  (key: the raw id string, see :func:`bots.discord.common.mention_names`) or ``mention_word``;
* slash-command mentions ``</cmd:1>`` become ``cmd``; timestamps ``<t:…>`` are dropped;
* custom emoji ``<:name:id>`` / ``<a:name:id>`` become ``name`` (underscores as spaces).

Control tokens are stripped first, as the cleanup's first step strips them, so a token inside a mention
(``<@<|x|>1>``) cannot keep it from being read as one. Each rule is one regex whose attempts scan
disjoint stretches of text: linear in the length of the input, like the cleanup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping

from core.text import strip_control_tokens

__all__ = ["plain_text", "to_plain"]

_TIMESTAMP = re.compile(r"<t:-?\d+(?::[tTdDfFR])?>")
_SLASH_COMMAND = re.compile(r"</([\w\- ]+):\d+>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_CUSTOM_EMOJI = re.compile(r"<a?:([\w~]{1,64}):\d+>")


def plain_text(text: str, names: Mapping[str, str] | None = None, *, mention_word: str = "someone") -> str:
    """``text`` with its Discord markup spoken as words (see the module doc); everything else is left to
    the cleanup. A mention reads as its name with a space either side, so it never joins a neighbour."""
    text = strip_control_tokens(text)
    if "<" not in text:
        return text
    names = names or {}
    text = _TIMESTAMP.sub("", text)
    text = _SLASH_COMMAND.sub(lambda m: m.group(1), text)

    def _name(m: re.Match[str]) -> str:
        found = names.get(m.group(1))
        return f" {found or mention_word} "

    text = _USER.sub(_name, text)
    text = _ROLE.sub(_name, text)
    text = _CHANNEL.sub(_name, text)
    return _CUSTOM_EMOJI.sub(lambda m: " " + m.group(1).replace("_", " ").strip() + " ", text)


def to_plain(names: Mapping[str, str] | None = None, *, mention_word: str = "someone") -> Callable[[str], str]:
    """The ``markup=`` for ``VoiceService.prepare``: :func:`plain_text` with these mention names."""
    return functools.partial(plain_text, names=names, mention_word=mention_word)
