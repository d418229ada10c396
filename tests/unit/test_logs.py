"""Logs never carry a whole ID number (RULES §7): the handler's filter masks 18-character
resident IDs and credit codes in the message, in `extra` fields and in exception text, with
`domain.identity.mask_id`; JSON lines carry time, level, logger, message and the fields."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from domain.errors import UsageError
from domain.identity import mask_id
from services.logs import configure_logging, mask_ids

RESIDENT_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_mask_ids_masks_both_kinds_wherever_they_stand() -> None:
    text = f"申请人证件{RESIDENT_ID}，单位代码:{CREDIT_CODE}；小写{RESIDENT_ID.lower()}"
    masked = mask_ids(text)
    assert RESIDENT_ID not in masked and CREDIT_CODE not in masked
    assert RESIDENT_ID.lower() not in masked
    assert mask_id(RESIDENT_ID) in masked and mask_id(CREDIT_CODE) in masked
    assert mask_id(RESIDENT_ID) == "110105********002X"


def test_mask_ids_leaves_other_text_alone() -> None:
    text = (
        "历下政公开〔2026〕第0001号 电话13800000000 长数字1234567890123456789 "
        "令牌 ogi_AbC123 路径 /api/v1/cases"
    )
    assert mask_ids(text) == text


def test_a_json_log_line_with_an_id_number_is_written_masked(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging({"OGI_LOG_FORMAT": "json"}, level="INFO")
    log = logging.getLogger("ogi.test")
    log.info("登记申请人 %s", RESIDENT_ID, extra={"user": "wang", "form": {"id_number": CREDIT_CODE}})
    try:
        raise ValueError(f"证件号 {RESIDENT_ID} 重复")
    except ValueError:
        log.exception("保存失败")
    err = capsys.readouterr().err
    assert RESIDENT_ID not in err and CREDIT_CODE not in err
    first, second = lines(err)
    assert first["message"] == f"登记申请人 {mask_id(RESIDENT_ID)}"
    assert first["level"] == "INFO" and first["logger"] == "ogi.test" and first["time"].endswith("Z")
    assert first["user"] == "wang" and first["form"] == {"id_number": mask_id(CREDIT_CODE)}
    assert second["level"] == "ERROR" and mask_id(RESIDENT_ID) in second["exception"]


def test_text_format_masks_too_and_is_the_default(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging({}, level="INFO")
    logging.getLogger("ogi.test").warning("证件 %s", RESIDENT_ID)
    err = capsys.readouterr().err
    assert f"WARNING ogi.test: 证件 {mask_id(RESIDENT_ID)}" in err and RESIDENT_ID not in err
    assert not err.lstrip().startswith("{")


def test_configuring_twice_keeps_one_handler_and_the_level_can_be_set(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging({"OGI_LOG_FORMAT": "json"}, level="INFO")
    configure_logging({"OGI_LOG_FORMAT": "json", "OGI_LOG_LEVEL": "warning"}, level="INFO")
    log = logging.getLogger("ogi.test")
    log.info("不显示")
    log.warning("显示")
    assert [entry["message"] for entry in lines(capsys.readouterr().err)] == ["显示"]


@pytest.mark.parametrize("env", [{"OGI_LOG_FORMAT": "xml"}, {"OGI_LOG_LEVEL": "loud"}])
def test_bad_settings_are_refused_in_chinese(restore_logging: None, env: dict[str, str]) -> None:
    with pytest.raises(UsageError) as error:
        configure_logging(env)
    assert "环境变量" in error.value.message
