"""Publishing: check the card and its `.eval_results`, then push them to the Hub in one commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cardkit.cardtext.update import card_diff
from cardkit.io.errors import CardkitError
from cardkit.publish.files import CARD, UploadFile, collect_files
from cardkit.publish.gate import push_findings
from cardkit.publish.hub import HubTarget, PushResult, push_files, remote_card

__all__ = [
    "DryRun",
    "HubTarget",
    "PushResult",
    "checked_files",
    "dry_run",
    "push",
]


class InvalidFiles(CardkitError):
    """The files to push did not pass the checks; ``findings`` holds one line each."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        noun = "problem" if len(findings) == 1 else "problems"
        super().__init__(f"refusing to push: {len(findings)} {noun} (see above)")


@dataclass
class DryRun:
    head: str
    diff: str
    files: list[str]


def checked_files(folder: Path) -> list[UploadFile]:
    """The files a push of ``folder`` uploads, after checking every one of them."""
    files, refused = collect_files(folder)
    findings = refused + push_findings(files)
    if findings:
        raise InvalidFiles(findings)
    return files


def default_message(files: list[UploadFile]) -> str:
    extra = len(files) - 1
    return "Update model card" + (f" and {extra} result files" if extra else "")


def push(
    folder: Path,
    target: HubTarget,
    message: str | None = None,
    create_pr: bool = False,
) -> PushResult:
    """Check, then commit README.md, `.eval_results/` and `assets/` in one commit."""
    files = checked_files(folder)
    return push_files(files, target, message or default_message(files), create_pr)


def dry_run(folder: Path, target: HubTarget) -> DryRun:
    """What a push would change in the remote card, changing nothing anywhere."""
    files = checked_files(folder)
    head, remote = remote_card(target)
    local = files[0].data.decode("utf-8-sig")
    return DryRun(head, card_diff(remote, local, CARD), [f.path_in_repo for f in files])
