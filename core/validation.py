"""Checking mutation input field by field, reporting every problem at once."""

from __future__ import annotations

from typing import overload

from core.errors import ErrorCode, Problem, UserFailure
from core.ids import parse_id


class Validator:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(
        self, field: str | None, key: str, code: ErrorCode = ErrorCode.VALIDATION, **params: object
    ) -> None:
        self.problems.append(Problem(code, field, key, params))

    def text(
        self, value: str | None, field: str, max_length: int, *, required: bool = False
    ) -> str | None:
        """Text is stored exactly as sent (Chinese included); length counts characters."""
        if value is None or not value.strip():
            if required:
                self.fail(field, "required" if value is None else "blank")
            return None
        if "\x00" in value:
            self.fail(field, "bad_chars")
        elif len(value) > max_length:
            self.fail(field, "too_long", max=max_length)
        return value

    @overload
    def id(self, value: str, type_name: str, field: str) -> int: ...
    @overload
    def id(self, value: str | None, type_name: str, field: str) -> int | None: ...

    def id(self, value: str | None, type_name: str, field: str) -> int | None:
        """The key inside a global ID (None for no ID). A bad one is reported at `field`
        and stands in as 0, which is never a row: `done()` raises before it is used."""
        if value is None:
            return None
        try:
            return parse_id(value, type_name, field)
        except UserFailure as failure:
            self.problems.extend(failure.problems)
            return 0

    def done(self) -> None:
        if self.problems:
            raise UserFailure(*self.problems)
