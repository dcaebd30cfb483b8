"""Reading dataset records from JSON lists or JSON lines, with malformed records named by file, line and field.

Datasets are published both ways (MuSiQue as JSON lines, its HippoRAG copy as one JSON list), so every reader
accepts both; a bad record fails at load time with a :class:`~locogym.core.errors.DataError` that says where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from locogym.core.errors import ConfigError, DataError

_BETWEEN = re.compile(r"[\s,]*")


def iter_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, record) from a JSON list or JSON lines file; line numbers start at 1.

    Raises:
        DataError: the file is not valid JSON or JSON lines (names the line of the bad record).
        ConfigError: the file does not exist.
    """
    if not path.is_file():
        raise ConfigError(f"Data file {path} does not exist.", fix="Pass the path of the dataset file, e.g. "
                                                                  "corpus='hotpotqa:data/hotpot_dev.json'.")
    yield from iter_json_text(path, path.read_text(encoding="utf-8"))


def iter_json_text(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """:func:`iter_records` over text already read (``path`` only names the file in errors)."""
    start = len(text) - len(text.lstrip())
    if text[start:start + 1] == "[":
        yield from _iter_list(path, text, start + 1)
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc})", path=str(path), line=number,
                            fix="Each line must hold one JSON object (JSON lines), or the file one JSON list.") from exc


def _iter_list(path: Path, text: str, pos: int) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    line, last = 1, 0
    while True:
        pos = _BETWEEN.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            raise DataError("the JSON list is not closed", path=str(path), line=text.count("\n") + 1,
                            fix="The file may be cut short; download it again.")
        if text[pos] == "]":
            return
        line += text.count("\n", last, pos)
        last = pos
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", path=str(path), line=exc.lineno,
                            fix="Repair the record or download the file again.") from exc
        yield line, record


def need(record: Any, name: str, kind: type | tuple[type, ...], path: Path, line: int) -> Any:
    """``record[name]`` checked to be a ``kind``.

    Raises:
        DataError: the record is not an object, or the field is missing or of another type.
    """
    if not isinstance(record, dict):
        raise DataError(f"expected a JSON object, found {type(record).__name__}", path=str(path), line=line,
                        fix="Each record must be a JSON object.")
    if name not in record:
        raise DataError("missing", path=str(path), line=line, field=name,
                        fix="Check the file is in the documented format of this dataset "
                            "(docs/envs/LoCo-WikiHop-v0.md).")
    value = record[name]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataError(f"expected {expected}, found {type(value).__name__}", path=str(path), line=line, field=name,
                        fix="Check the file is in the documented format of this dataset.")
    return value
