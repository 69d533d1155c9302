"""Fuzzing the readers with mutated real inputs (hypothesis; atheris harness at the end).

For each reader — text, HTML, DOCX, PDF, and the OCR reader's image decoding — real
inputs (the samples, the real pages, a DOCX composed from an answer key, the real PDF)
are mutated: truncated, bytes flipped, junk inserted, lines and table rows deleted,
duplicated and shuffled, labels mangled, numbers replaced, spans made absurd, XML cut.
Every example must end as a ``GridDocument`` or a ``ReadError`` (the batch goes on), the
extractor must never raise on what was read, nothing may take longer than the per-file
limit, the output may not blow up, and no number may be invented: every value the
extractor reports is printed in the input.

``NIANBAO_FUZZ_EXAMPLES`` sets the examples per reader (default: a small CI subset;
``make fuzz`` runs 10 000). A failing input found in a long run is saved under
``tests/fuzz_repros/`` (when the variable is set), and every file there is replayed by
``test_saved_repros`` from then on. ``python tests/test_fuzz_readers.py KIND`` runs the
same checks under atheris (coverage-guided), when atheris is installed.
"""
from __future__ import annotations

import importlib
import hashlib
import io
import os
import random
import re
import signal
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.extract import extract_document
from nianbao.grid import GridDocument
from nianbao.normalize import KIND_NUMBER, KIND_ZERO
from nianbao.readers import ReadError, read

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / "examples"
REPROS = HERE / "fuzz_repros"
EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "0") or 0)
LONG_RUN = EXAMPLES > 0
# Per-file wall-clock limit; a hang is interrupted by an alarm and fails the example.
PER_FILE_SECONDS = float(os.environ.get("NIANBAO_FUZZ_LIMIT", "20"))

FUZZ = settings(
    max_examples=EXAMPLES or 40,
    deadline=None,                  # the alarm below is the time limit (hypothesis cannot stop a hang)
    database=None,                  # nothing written into the repository
    derandomize=not LONG_RUN,       # CI: the same examples every run; long runs explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True,
)


# ---------------------------------------------------------------- seeds

def _samples() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((SHARED / "samples").glob("*.txt"))]


def _html_seeds() -> list[str]:
    out = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "real").glob("*.html"))]
    try:
        from nianbao.compose import load_input, render
        key = sorted((SHARED / "samples").glob("*.truth.json"))[1]
        out.append(render(load_input(key), "html").decode("utf-8"))
    except Exception:  # the composer is optional for this test
        pass
    return out


def _docx_seeds() -> list[bytes]:
    try:
        from nianbao.compose import load_input, render
    except ImportError:
        return []
    return [render(load_input(k), "docx") for k in sorted((SHARED / "samples").glob("*.truth.json"))[:2]]


def _pdf_seeds() -> list[bytes]:
    return [p.read_bytes() for p in sorted((SHARED / "real").glob("*.pdf"))]


def _png_seed() -> bytes:
    from PIL import Image, ImageDraw
    im = Image.new("L", (120, 80), 255)
    d = ImageDraw.Draw(im)
    d.rectangle([10, 10, 110, 70], outline=0, width=2)
    d.line([(60, 10), (60, 70)], fill=0, width=2)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


TEXTS, HTMLS, DOCXS, PDFS = _samples(), _html_seeds(), _docx_seeds(), _pdf_seeds()


# ---------------------------------------------------------------- the checks

class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"超过 {PER_FILE_SECONDS:g} 秒未完成")


def _save_repro(kind: str, data: bytes) -> None:
    if not LONG_RUN:
        return
    REPROS.mkdir(exist_ok=True)
    name = f"{kind}-{hashlib.sha1(data).hexdigest()[:12]}{_SUFFIX[kind]}"
    (REPROS / name).write_bytes(data)


_SUFFIX = {"text": ".txt", "html": ".html", "docx": ".docx", "pdf": ".pdf", "image": ".png"}
_NUM = re.compile(r"\s+")


def check(kind: str, data: bytes) -> GridDocument | None:
    """Read ``data`` as a ``kind`` file and check every invariant; returns the document."""
    name = "fuzz" + _SUFFIX[kind]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, PER_FILE_SECONDS)
    t0 = time.perf_counter()
    try:
        try:
            doc = read(name, data)
        except ReadError as e:
            assert str(e).strip(), "ReadError without a message"
            return None
        assert isinstance(doc, GridDocument)
        report = extract_document(doc)
        text = doc.plain_text()
        assert len(text) <= 20 * len(data) + 100_000, f"output blew up: {len(text)} chars from {len(data)} bytes"
        assert sum(len(t.cells) for t in doc.tables) <= 50 * len(data) + 10_000
        if kind in ("text", "html", "docx"):
            flat = _NUM.sub("", text)
            for key, cv in report.cells.items():
                if cv.kind in (KIND_NUMBER, KIND_ZERO) and cv.raw is not None:
                    assert _NUM.sub("", cv.raw) in flat, f"{key}: value {cv.raw!r} not printed in the input"
        return doc
    except Exception:
        _save_repro(kind, data)
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        assert time.perf_counter() - t0 < PER_FILE_SECONDS + 1


@pytest.fixture(autouse=True, scope="module")
def _no_ocr():
    """Mutated PDFs that lose their text would go to OCR (seconds a page): here they get
    the no-OCR refusal instead, which is what is being fuzzed."""
    try:
        from nianbao.readers import ocr
    except ImportError:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "ocr_available", lambda: False)
        yield


# ---------------------------------------------------------------- mutations

JUNK = st.one_of(
    st.binary(min_size=1, max_size=64),
    st.sampled_from([b"\x00" * 40, b"\xff\xfe", b"\xef\xbb\xbf", b"\r\r\n", b"\t" * 30, b"|" * 50,
                     b"<table><tr><td>", b"</td></tr></table>", b"<!--", b"]]>", b"&#0;", b"&#xD800;",
                     "一、".encode(), "（七）总计".encode(), "９９９９".encode(), b"-1e308", b"NaN"]),
)
NUMBERS = st.sampled_from(["0", "1", "-5", "3.14", "1,234", "99999999999999999999", "１２", "/", "—", "无", "",
                           "0.000001", "1e9", "２，０００", "-0"])
CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6)


@st.composite
def edit_lines(draw, lines: list[str]) -> list[str]:
    """Structural edits: delete / duplicate / shuffle / swap lines, mangle a label,
    replace numbers, insert junk lines."""
    lines = list(lines)
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            lines = [""]
        n = len(lines)
        i = draw(st.integers(0, n - 1))
        j = min(n, i + draw(st.integers(1, 12)))
        op = draw(st.sampled_from(["delete", "duplicate", "shuffle", "swap", "mangle", "numbers", "junk", "truncate"]))
        if op == "delete":
            del lines[i:j]
        elif op == "duplicate":
            lines[i:i] = lines[i:j] * draw(st.integers(1, 3))
        elif op == "shuffle":
            block = lines[i:j]
            random.Random(draw(st.integers(0, 2 ** 16))).shuffle(block)
            lines[i:j] = block
        elif op == "swap":
            k = draw(st.integers(0, n - 1))
            lines[i], lines[k] = lines[k], lines[i]
        elif op == "mangle":
            ln = lines[i]
            if ln:
                a = draw(st.integers(0, len(ln) - 1))
                b = min(len(ln), a + draw(st.integers(0, 4)))
                lines[i] = ln[:a] + draw(st.one_of(CJK, st.just(""), st.text(max_size=3))) + ln[b:]
        elif op == "numbers":
            lines[i] = re.sub(r"\d+", lambda m: draw(NUMBERS), lines[i])
        elif op == "junk":
            lines.insert(i, draw(st.one_of(st.text(max_size=80), st.just("\t" * 200), st.just("|" * 300),
                                           st.just("一" * 5000))))
        else:
            del lines[i:]
    return lines


@st.composite
def edit_bytes(draw, data: bytes) -> bytes:
    """Byte edits: flip bytes, truncate, insert junk, duplicate or drop a span."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            data = bytearray(b"\x00")
        n = len(data)
        i = draw(st.integers(0, n - 1))
        op = draw(st.sampled_from(["flip", "truncate", "junk", "duplicate", "drop"]))
        if op == "flip":
            for k in range(draw(st.integers(1, 8))):
                p = (i + k * draw(st.integers(1, 997))) % n
                data[p] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[i:]
        elif op == "junk":
            data[i:i] = draw(JUNK)
        elif op == "duplicate":
            data[i:i] = data[i:i + draw(st.integers(1, 4096))]
        else:
            del data[i:i + draw(st.integers(1, 4096))]
    return bytes(data)


ENCODE = st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-8-sig", "big5"])


@st.composite
def text_inputs(draw) -> bytes:
    text = draw(st.sampled_from(TEXTS))
    lines = draw(edit_lines(text.split("\n")))
    data = "\n".join(lines).encode(draw(ENCODE), errors="replace")
    return draw(edit_bytes(data)) if draw(st.booleans()) else data


SPANS = st.sampled_from(['rowspan="99999999"', 'colspan="99999999"', 'rowspan="-3"', 'colspan="0"',
                         'rowspan="abc"', 'colspan="2.5"', 'rowspan="1000" colspan="1000"'])


@st.composite
def html_inputs(draw) -> bytes:
    html = draw(st.sampled_from(HTMLS))
    # table rows: delete / duplicate / shuffle <tr>s, absurd spans
    parts = re.split(r"(?=<tr[\s>])", html)
    if len(parts) > 3 and draw(st.booleans()):
        head, rows = parts[0], parts[1:]
        op = draw(st.sampled_from(["shuffle", "delete", "duplicate"]))
        i = draw(st.integers(0, len(rows) - 1))
        if op == "shuffle":
            random.Random(draw(st.integers(0, 2 ** 16))).shuffle(rows)
        elif op == "delete":
            del rows[i:i + draw(st.integers(1, 5))]
        else:
            rows[i:i] = rows[i:i + draw(st.integers(1, 5))] * draw(st.integers(1, 3))
        html = head + "".join(rows)
    if draw(st.booleans()):
        html = re.sub(r"<t([dh])(?=[\s>])", lambda m: f"<t{m.group(1)} {draw(SPANS)}"
                      if draw(st.integers(0, 9)) == 0 else m.group(0), html, count=200)
    if draw(st.booleans()):
        html = "\n".join(draw(edit_lines(html.split("\n"))))
    if draw(st.booleans()):
        html = re.sub(r"</(td|tr|table|p|div)>", lambda m: "" if draw(st.integers(0, 4)) == 0 else m.group(0),
                      html, count=300)
    data = html.encode(draw(st.sampled_from(["utf-8", "gb18030", "utf-16"])), errors="replace")
    return draw(edit_bytes(data)) if draw(st.integers(0, 3)) == 0 else data


def _rezip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


@st.composite
def docx_inputs(draw) -> bytes:
    seed = draw(st.sampled_from(DOCXS))
    if draw(st.integers(0, 4)) == 0:                 # the ZIP itself damaged
        return draw(edit_bytes(seed))
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    rows = re.split(r"(?=<w:tr[\s>])", xml)
    if len(rows) > 3:
        head, body = rows[0], rows[1:]
        op = draw(st.sampled_from(["shuffle", "delete", "duplicate", "none"]))
        i = draw(st.integers(0, len(body) - 1))
        if op == "shuffle":
            random.Random(draw(st.integers(0, 2 ** 16))).shuffle(body)
        elif op == "delete":
            del body[i:i + draw(st.integers(1, 4))]
        elif op == "duplicate":
            body[i:i] = body[i:i + draw(st.integers(1, 4))] * draw(st.integers(1, 2))
        xml = head + "".join(body)
    if draw(st.booleans()):
        xml = re.sub(r'<w:gridSpan w:val="\d+"', lambda m: f'<w:gridSpan w:val="{draw(st.sampled_from(["0", "-1", "64", "99999999", "x"]))}"'
                     if draw(st.integers(0, 3)) == 0 else m.group(0), xml)
    if draw(st.booleans()):
        xml = re.sub(r"<w:t(?: [^>]*)?>([^<]*)</w:t>",
                     lambda m: m.group(0).replace(m.group(1), draw(st.one_of(CJK, NUMBERS, st.just(m.group(1)))))
                     if draw(st.integers(0, 6)) == 0 else m.group(0), xml)
    if draw(st.integers(0, 5)) == 0:
        xml = xml[:draw(st.integers(0, len(xml)))]  # cut: malformed XML
    parts["word/document.xml"] = xml.encode("utf-8")
    if draw(st.integers(0, 6)) == 0:
        parts.pop(draw(st.sampled_from(sorted(parts))))
    return _rezip(parts)


@st.composite
def pdf_inputs(draw) -> bytes:
    data = draw(st.sampled_from(PDFS))
    if draw(st.booleans()):   # structural: absurd numbers in the object syntax
        text = data.decode("latin-1")
        subs = [(r"/Count \d+", "/Count 99999"), (r"/MediaBox \[[^\]]*\]", "/MediaBox [0 0 1e9 1e9]"),
                (r"/Length \d+", "/Length 0"), (r"/Rotate \d+", "/Rotate 45"), (r"startxref\s+\d+", "startxref 1")]
        pattern, repl = draw(st.sampled_from(subs))
        text = re.sub(pattern, repl, text, count=draw(st.integers(1, 3)))
        data = text.encode("latin-1")
    return draw(edit_bytes(data))


# ---------------------------------------------------------------- the fuzz tests

needs = {
    "text": pytest.mark.skipif(not TEXTS, reason="shared/samples not present"),
    "html": pytest.mark.skipif(not HTMLS, reason="no HTML seed"),
    "docx": pytest.mark.skipif(not DOCXS, reason="no DOCX seed (nianbao.compose missing)"),
    "pdf": pytest.mark.skipif(not PDFS, reason="shared/real PDF not present"),
}


@needs["text"]
@FUZZ
@given(text_inputs())
def test_fuzz_text(data):
    check("text", data)


@needs["html"]
@FUZZ
@given(html_inputs())
def test_fuzz_html(data):
    check("html", data)


@needs["docx"]
@FUZZ
@given(docx_inputs())
def test_fuzz_docx(data):
    check("docx", data)


@needs["pdf"]
@settings(FUZZ, max_examples=EXAMPLES or 25)
@given(pdf_inputs())
def test_fuzz_pdf(data):
    check("pdf", data)


@settings(FUZZ, max_examples=EXAMPLES or 30)
@given(st.data())
def test_fuzz_image_decoding(data):
    """The OCR reader's image decoding (no OCR run): a damaged image is a ReadError."""
    ocr = importlib.import_module("nianbao.readers.ocr")
    importlib.import_module("PIL")
    blob = data.draw(edit_bytes(_png_seed()))
    try:
        pages = list(ocr._image_pages(blob, "fuzz.png"))
    except ReadError as e:
        assert str(e)
    else:
        assert all(im.mode == "L" and dpi > 0 for im, dpi in pages)


# ---------------------------------------------------------------- invariants that find silent errors

@needs["text"]
@settings(FUZZ, max_examples=EXAMPLES or 20)
@given(st.data())
def test_benign_edits_keep_every_cell(data):
    """Edits that change nothing a reader should care about — CRLF line ends, trailing
    blanks, an encoding change, junk text after the last section — must give the same
    cells (a changed value would be wrong and silent)."""
    text = data.draw(st.sampled_from(TEXTS))
    base = extract_document(read("a.txt", text.encode("utf-8"))).values()
    edit = data.draw(st.sampled_from(["crlf", "trailing", "gb18030", "utf16", "appended"]))
    if edit == "crlf":
        t = text.replace("\n", "\r\n")
    elif edit == "trailing":
        t = "\n".join(ln + " " * data.draw(st.integers(0, 3)) for ln in text.split("\n"))
    elif edit == "appended":
        t = text + "\n\n" + data.draw(st.text(alphabet="附件说明本报告内容以正式文本为准。", min_size=1, max_size=60))
    else:
        t = text
    enc = {"gb18030": "gb18030", "utf16": "utf-16"}.get(edit, "utf-8")
    got = extract_document(read("a.txt", t.encode(enc))).values()
    assert got == base, {k: (base[k], got.get(k)) for k in base if got.get(k) != base[k]}


@needs["text"]
def test_truncation_never_invents_values():
    """Cut a sample anywhere: every value still reported is the one of the full text."""
    text = TEXTS[0]
    full = extract_document(read("a.txt", text.encode())).values()
    for cut in range(200, len(text), max(1, len(text) // 60)):
        got = extract_document(read("a.txt", text[:cut].encode())).values()
        bad = {k: v for k, v in got.items() if v is not None and v != full.get(k)}
        assert not bad, (cut, bad)


def _saved_repros() -> list:
    if not REPROS.is_dir():
        return []
    out = []
    for p in sorted(REPROS.iterdir()):
        if p.suffix not in _SUFFIX.values():
            continue
        marks = ()
        if p.name.startswith("open-"):       # a known bug not fixed yet (see README.md there)
            marks = pytest.mark.xfail(strict=True, reason=f"open bug, see {REPROS.name}/README.md")
        out.append(pytest.param(p, id=p.name, marks=marks))
    return out


@pytest.mark.parametrize("path", _saved_repros() or [pytest.param(None, marks=pytest.mark.skip("no saved repros"))])
def test_saved_repros(path):
    """Inputs that once broke a reader, replayed for ever. A file named ``open-…`` is a
    known open bug (expected to fail until fixed; then drop the prefix)."""
    kinds = {v: k for k, v in _SUFFIX.items()}
    check(kinds[path.suffix], path.read_bytes())


# ---------------------------------------------------------------- atheris

def _atheris_main() -> None:  # pragma: no cover - run by hand
    """``python tests/test_fuzz_readers.py text|html|docx|pdf [libFuzzer flags]``: the same
    checks, coverage-guided, starting from the real seeds (corpus in a temporary folder,
    or ``NIANBAO_ATHERIS_CORPUS``). ``pip install atheris`` first."""
    import atheris
    try:
        from nianbao.readers import ocr
        ocr.ocr_available = lambda: False     # as in the pytest run: no OCR of mutated PDFs
    except ImportError:
        pass
    kind = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "text"
    seeds = {"text": [t.encode() for t in TEXTS], "html": [h.encode() for h in HTMLS], "docx": DOCXS,
             "pdf": PDFS}[kind]
    import tempfile
    corpus = Path(os.environ.get("NIANBAO_ATHERIS_CORPUS") or Path(tempfile.gettempdir()) / f"nianbao-atheris-{kind}")
    corpus.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(s)

    def one(data: bytes) -> None:
        check(kind, data)

    atheris.instrument_all()
    atheris.Setup(sys.argv + [str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    _atheris_main()
