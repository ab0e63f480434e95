"""Sentences cut from a streamed answer: CJK and Latin ends, no tiny fragments, a cap on run-ons, clean speech."""

from __future__ import annotations

from core.talk_sentences import SentenceCutter, caption, speakable


def cut(text: str, step: int = 3, **options) -> list[str]:
    cutter = SentenceCutter(**options)
    out: list[str] = []
    for i in range(0, len(text), step):
        out += cutter.feed(text[i:i + step])
    return out + cutter.flush()


def test_latin_sentences_end_at_marks_followed_by_space() -> None:
    assert cut("Hello there, my friend. Pi is 3.14 and that is fine! What next?") == [
        "Hello there, my friend.", "Pi is 3.14 and that is fine!", "What next?"]


def test_cjk_sentences_end_at_once_and_keep_their_closing_quote() -> None:
    assert cut("她说「今天天气真好。」我们去散步吧！好的，我们马上就出发；") == [
        "她说「今天天气真好。」", "我们去散步吧！", "好的，我们马上就出发；"]


def test_a_tiny_fragment_waits_for_the_next_sentence() -> None:
    assert cut("Hi. I am glad you came to see me today.") == ["Hi. I am glad you came to see me today."]


def test_line_breaks_end_sentences() -> None:
    assert cut("First line without a mark\nSecond line here too\n") == [
        "First line without a mark", "Second line here too"]


def test_a_run_on_sentence_is_cut_at_a_comma_under_the_cap() -> None:
    text = ("word " * 30) + ", " + ("more " * 40)
    parts = cut(text, max_chars=100)
    assert len(parts) > 1 and all(len(p) <= 100 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_sentences_arrive_as_soon_as_they_are_complete() -> None:
    cutter = SentenceCutter()
    assert cutter.feed("The first sentence is here") == []
    assert cutter.feed(". And") == ["The first sentence is here."]
    assert cutter.flush() == ["And"]


def test_control_tokens_and_markdown_are_not_spoken() -> None:
    raw = "**Hello** <|HAPPY|>there, [friend](https://example.com)!"
    assert "<|" not in caption(raw)
    spoken = speakable(raw)
    assert "<|" not in spoken and "*" not in spoken and "https" not in spoken and "Hello" in spoken
