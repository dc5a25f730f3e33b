import os

import pytest

from engine.input_files import (
    LIMITS, QUOTE_CHARS, InputFileError, clip, decode_utf8, read_input, read_text, shorten,
)


def test_reads_a_regular_file(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"name: x\n")
    assert read_input(tmp_path / "a.yaml", "score") == b"name: x\n"
    assert read_text(tmp_path / "a.yaml", "score") == "name: x\n"


@pytest.mark.parametrize("make, what", [
    (lambda p: p.mkdir(), "a directory"),
    (lambda p: os.mkfifo(p), "a FIFO (named pipe)"),
    (lambda p: p.symlink_to("/dev/zero"), "a character device"),
])
def test_special_files_are_refused_before_opening(tmp_path, make, what):
    path = tmp_path / "s.yaml"
    make(path)
    with pytest.raises(InputFileError) as info:
        read_input(path, "score")
    assert str(info.value) == f"{path}: is {what}, not a score file"


def test_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * LIMITS["score"])
    assert len(read_input(path, "score")) == LIMITS["score"]
    path.write_bytes(b"x" * (LIMITS["score"] + 1))
    with pytest.raises(InputFileError, match=r"big\.yaml: is 512 KiB; a score file may be at most 512 KiB"):
        read_input(path, "score")


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_input(tmp_path / "nope.yaml", "score")


def test_utf8_error_names_byte_offset_and_line():
    with pytest.raises(InputFileError) as info:
        decode_utf8(b"a: 1\nb: 2\nname: caf\xe9\n", "s.yaml")
    assert str(info.value) == "s.yaml:3: not UTF-8 text: byte 0xe9 at offset 19"
    assert info.value.line == 3
    with pytest.raises(InputFileError, match="looks like UTF-16"):
        decode_utf8("a: 1".encode("utf-16"), "s.yaml")


def test_shorten_cuts_long_values_and_says_how_long():
    assert shorten("tempo") == "'tempo'"
    long = shorten("x" * 100_000)
    assert len(long) <= QUOTE_CHARS + 30 and "(100,000 chars)" in long
    assert shorten(list(range(1000))) == "a list of 1,000 items"
    assert len(shorten({"a": "y" * 500})) < QUOTE_CHARS + 30
    assert clip("short") == "short" and clip("z" * 200).endswith("(200 chars)")
