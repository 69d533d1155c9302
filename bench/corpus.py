"""Benchmark corpora, built once into ``bench/.cache`` (kept between runs).

Owns the inputs every benchmark reads, all derived from what the clone holds:

- ``format_corpus(fmt, n)``: ``n`` distinct files of one input format — text reports
  (the bundled samples, each copy made distinct by a trailing line so that hashes
  differ), saved web pages (the bundled real pages and composed pages wrapped in site
  chrome of realistic size), DOCX (composed), PDF (the bundled real PDF and composed
  DOCX converted by LibreOffice; copies made distinct after ``%%EOF``);
- ``sized_text(mb)``: one text report grown to about ``mb`` megabytes by varied
  narrative paragraphs (for the size scaling);
- ``national_corpus(n, seed)``: ``n`` varied reports in realistic shares of formats,
  random consistent tables, label variants and injected errors (``bench/national.py``).
"""
from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT / "tests"))      # the fixture generators (synth, fixturegen)

# Site chrome around a composed page: real saved pages are 100–300 KB, most of it menus,
# link lists and scripts around the report (the bundled pages are of that kind).
CHROME_LINKS = 1200
# Shares of input formats in a national year (as collected from government sites: most
# reports are web pages, then PDF attachments, then DOCX/WPS, a few text copies).
NATIONAL_SHARES = {"html": 0.45, "pdf": 0.25, "docx": 0.20, "md": 0.05, "txt": 0.05}
# Distinct PDFs rendered by LibreOffice per corpus (about 1 s each); further PDFs are
# byte-distinct copies of them (a comment after %%EOF), read as fully as the originals.
PDF_POOL = 12


def _truths() -> list[Path]:
    return sorted((EXAMPLES / "samples").glob("*.truth.json"))


def _chrome(rng: random.Random) -> tuple[str, str]:
    links = "".join(f'<li><a href="/xxgk/{rng.randrange(10**6)}.html">政务公开栏目 {i} 通知公告与政策解读</a></li>'
                    for i in range(CHROME_LINKS))
    head = (f'<div class="nav"><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>'
            f'<ul class="menu">{links[: len(links) // 2]}</ul></div>'
            '<script>var _hmt = _hmt || [];' + "x=1;" * 2000 + '</script>')
    tail = f'<div class="footer"><ul>{links[len(links) // 2:]}</ul><p>主办单位：某某县人民政府办公室</p></div>'
    return head, tail


def _wrap_page(body_html: bytes, rng: random.Random) -> bytes:
    head, tail = _chrome(rng)
    html = body_html.decode("utf-8")
    m = re.search(r"<body[^>]*>", html)
    if m is None:
        return body_html
    end = html.rfind("</body>")
    return (html[: m.end()] + head + '<div class="article">' + html[m.end(): end] + "</div>" + tail
            + html[end:]).encode("utf-8")


def _texts(n: int) -> list[tuple[str, bytes]]:
    src = sorted((EXAMPLES / "samples").glob("*.txt"))
    return [(f"t{i:05d}.txt", src[i % len(src)].read_bytes() + f"\n（副本 {i}）\n".encode("utf-8")) for i in range(n)]


def _composed(fmt: str, n: int, seed: int = 0) -> list[tuple[str, bytes]]:
    from fixturegen import random_consistent_input
    from nianbao.compose import render
    from nianbao.compose.data import load_cells_json
    rng = random.Random(seed)
    inputs = [load_cells_json(t) for t in _truths()]
    out = []
    for i in range(n):
        inp = inputs[i] if i < len(inputs) else random_consistent_input(rng, agency=f"某某县第{i}街道办事处", year=2023)
        data = render(inp, fmt)
        if fmt == "html":
            data = _wrap_page(data, rng)
        out.append((f"c{i:05d}.{fmt}", data))
    return out


def _pdfs(n: int, work: Path) -> list[tuple[str, bytes]]:
    from fixturegen import random_consistent_input
    from nianbao.compose import render
    from nianbao.compose.convert import docx_to_pdf
    pool = [p.read_bytes() for p in sorted((EXAMPLES / "real").glob("*.pdf"))]
    rng = random.Random(1)
    work.mkdir(parents=True, exist_ok=True)
    for i in range(max(0, min(n, PDF_POOL) - len(pool))):
        pdf = work / f"pool{i:03d}.pdf"
        if not pdf.exists():
            docx = work / f"pool{i:03d}.docx"
            docx.write_bytes(render(random_consistent_input(rng, agency=f"某某县第{i}局", year=2023), "docx"))
            docx_to_pdf(docx, pdf)
        pool.append(pdf.read_bytes())
    return [(f"p{i:05d}.pdf", pool[i % len(pool)] + (f"\n%copy {i}\n".encode() if i >= len(pool) else b""))
            for i in range(n)]


def format_corpus(fmt: str, n: int) -> Path:
    """A directory of ``n`` distinct files of one format (built once, then reused)."""
    d = CACHE / f"{fmt}_{n}"
    if d.is_dir() and len(list(d.iterdir())) == n:
        return d
    shutil.rmtree(d, ignore_errors=True)
    tmp = CACHE / f".{fmt}_{n}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if fmt == "txt":
        files = _texts(n)
    elif fmt == "html":
        real = [(p.name, p.read_bytes()) for p in sorted((EXAMPLES / "real").glob("*.html"))]
        files = (real + _composed("html", n))[:n]
    elif fmt in ("docx", "md"):
        files = _composed(fmt, n)
    elif fmt == "pdf":
        files = _pdfs(n, CACHE / "pdf_pool")
    else:
        raise ValueError(fmt)
    for name, data in files:
        (tmp / name).write_bytes(data)
    tmp.rename(d)
    return d


def sized_text(mb: float) -> Path:
    """One text report of about ``mb`` MB: a sample with varied narrative paragraphs."""
    p = CACHE / f"sized_{mb}.txt"
    if p.exists():
        return p
    rng = random.Random(int(mb * 1000))
    samples = sorted((EXAMPLES / "samples").glob("*.txt"))
    src = samples[0].read_text(encoding="utf-8")
    pool = [ln for s in samples for ln in s.read_text(encoding="utf-8").split("\n")
            if len(ln) > 40 and not ln.lstrip().startswith("|")]
    lines = src.split("\n")
    at = next(i for i, ln in enumerate(lines) if len(ln) > 80) + 1
    extra, size = [], len(src.encode())
    while size < mb * 1024 * 1024:
        ln = re.sub(r"\d+", lambda m: str(rng.randint(1, 999)), rng.choice(pool))
        extra.append(ln)
        size += len(ln.encode()) + 1
    CACHE.mkdir(parents=True, exist_ok=True)
    p.write_text("\n".join(lines[:at] + extra + lines[at:]), encoding="utf-8")
    return p


def national_corpus(n: int, seed: int = 0) -> Path:
    """``n`` varied reports in ``NATIONAL_SHARES``: random consistent tables with label
    variants (fixturegen mutations) and, in one report of five, an injected error."""
    d = CACHE / f"national_{n}_{seed}"
    if d.is_dir() and sum(1 for _ in d.iterdir()) == n:
        return d
    from fixturegen import make_labels, random_consistent_input
    from nianbao.compose import render
    shutil.rmtree(d, ignore_errors=True)
    tmp = CACHE / f".national_{n}_{seed}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rng = random.Random(seed)
    counts = {fmt: round(share * n) for fmt, share in NATIONAL_SHARES.items()}
    counts["html"] += n - sum(counts.values())
    pdfs = _pdfs(counts["pdf"], CACHE / "pdf_pool")
    texts = _texts(counts["txt"])
    i = 0
    for fmt, k in counts.items():
        for j in range(k):
            if fmt == "pdf":
                name, data = pdfs[j]
            elif fmt == "txt":
                name, data = texts[j]
            else:
                inp = random_consistent_input(rng, agency=f"某某省某某县第{i}单位", year=2023)
                if rng.random() < 0.2:      # a unit's error: a 总计 that does not add up
                    key = "t3.new.total"
                    inp.cells[key] = int(inp.cells.get(key) or 0) + 1
                mutations = rng.sample(["variants", "spaces", "heji", "ascii_brackets"], k=rng.randint(0, 2))
                data = render(inp, fmt, make_labels(mutations, seed=i))
                if fmt == "html":
                    data = _wrap_page(data, rng)
                name = f"n{i:06d}.{fmt}"
            (tmp / f"{i:06d}_{name}").write_bytes(data)
            i += 1
    tmp.rename(d)
    return d
