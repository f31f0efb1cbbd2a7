"""A new passphrase typed twice, with a strength hint (first run, protecting a key, changing it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from screens.inputs import make_input


class PassphrasePair(Vertical):
    """A new passphrase typed twice, with a strength hint that follows the typing."""

    DEFAULT_CSS = """
    PassphrasePair { height: auto; }
    PassphrasePair .hint { color: $text-muted; margin-left: 16; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("Passphrase", classes="label")
            yield make_input(self.app, id="passphrase", password=True, classes="field",
                             placeholder="at least 10 characters; a few words work well")
        yield Static("Only you know it: nobody can recover it, so choose one you remember.",
                     id="strength", classes="hint")
        with Horizontal(classes="row"):
            yield Label("Again", classes="label")
            yield make_input(self.app, id="passphrase2", password=True, placeholder="type it again",
                             classes="field")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "passphrase":
            from storage.keyfile import strength_hint

            text = f"Strength: {strength_hint(event.value)}" if event.value else (
                "Only you know it: nobody can recover it, so choose one you remember.")
            self.query_one("#strength", Static).update(text)

    @property
    def value(self) -> str:
        return self.query_one("#passphrase", Input).value

    def problems(self) -> list[str]:
        from storage.keyfile import passphrase_problem

        first, second = self.value, self.query_one("#passphrase2", Input).value
        problem = passphrase_problem(first)
        if problem:
            return [f"Passphrase: {problem.removeprefix('the passphrase ')}"]
        if first != second:
            return ["Again: the two passphrases differ; type the same one twice"]
        return []
