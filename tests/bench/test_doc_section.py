#!/usr/bin/python3
"""bench/run_benchmarks.py rewrites only its own block of docs/benchmarks.md.

Runs on copies, with fake results: no benchmark is run.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import doc_section  # noqa: E402
import run_benchmarks  # noqa: E402

OWNER = run_benchmarks.OWNER
BEGIN, END = doc_section.markers(OWNER)


def fake_summary(median: float) -> dict:
    return {"median_ms": median, "p90_ms": median * 1.1, "peak_rss_mb": 42.0, "processes": 3,
            "kernels": "fast", "version": "0.0.0-fake"}


def fake_report(out: Path) -> str:
    """The block run_benchmarks.py would write for made-up figures."""
    a = argparse.Namespace(out=out, threads=[1, 2], runs=7, warmup=1, rounds=2)
    table = {t: {"resnet18": (fake_summary(123.25 * t), fake_summary(111.5 * t))} for t in a.threads}
    started = datetime.datetime(2001, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    return run_benchmarks.report(a, ["resnet18"], table, ["resnet18, 2 thread(s), round 2, ort: fake failure"],
                                 started, "9.9.9", "0.00 / 0.00 / 0.00 (1 / 5 / 15 min)")


def split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(up to and including the BEGIN line, the block, from the END line on)."""
    b = data.index(BEGIN.encode())
    start = data.index(b"\n", b) + 1
    stop = data.index(END.encode())
    return data[:start], data[start:stop], data[stop:]


class ReplaceBlock(unittest.TestCase):
    def test_only_the_block_changes(self):
        before = "# Title\r\n\r\nhand-written ümlaut text\n" + BEGIN + "\nold line\nold line 2\n" + END
        after = "\n\n## Hand-written\n\nmore\n"
        text = doc_section.replace_block(before + after, OWNER, "new body")
        self.assertEqual(text, before.replace("old line\nold line 2\n", "new body\n") + after)

    def test_markers_missing_repeated_or_reversed(self):
        cases = {
            "missing": "# Title\n\nno markers here\n",
            "only begin": f"{BEGIN}\nbody\n",
            "repeated": f"{BEGIN}\na\n{END}\n{BEGIN}\nb\n{END}\n",
            "reversed": f"{END}\nbody\n{BEGIN}\n",
            "not whole lines": f"text {BEGIN}\nbody\n{END} text\n",
        }
        for what, text in cases.items():
            with self.subTest(what), self.assertRaises(doc_section.MarkerError):
                doc_section.replace_block(text, OWNER, "body")

    def test_another_owner_is_left_alone(self):
        other_begin, other_end = doc_section.markers("bench/other.py")
        text = f"{other_begin}\nkeep\n{other_end}\n{BEGIN}\nold\n{END}\n"
        self.assertEqual(doc_section.replace_block(text, OWNER, "new\n"),
                         f"{other_begin}\nkeep\n{other_end}\n{BEGIN}\nnew\n{END}\n")


class BenchmarksDoc(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="seam-doc-section-"))
        self.doc = self.tmp / "benchmarks.md"
        shutil.copyfile(REPO / "docs" / "benchmarks.md", self.doc)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_rewrite_keeps_everything_outside_the_block(self):
        original = self.doc.read_bytes()
        head, old_block, tail = split(original)
        self.assertIn(b"## seam and ONNX Runtime", old_block)
        self.assertIn(b"## Tensor codec", tail, "the hand-written sections follow the block")
        body = fake_report(self.doc)
        doc_section.rewrite_file(self.doc, OWNER, body)
        new_head, new_block, new_tail = split(self.doc.read_bytes())
        self.assertEqual(new_head, head)
        self.assertEqual(new_tail, tail)
        self.assertEqual(new_block, body.encode())
        self.assertIn(b"| resnet18 | 123.25 | 111.50 | 1.11 |", new_block)
        self.assertIn(b"fake failure", new_block)
        # Twice gives the same file.
        doc_section.rewrite_file(self.doc, OWNER, body)
        self.assertEqual(split(self.doc.read_bytes()), (head, body.encode(), tail))

    def test_the_generated_block_has_the_committed_structure(self):
        _, old_block, _ = split(self.doc.read_bytes())
        headings = lambda block: [l for l in block.decode().splitlines() if l.startswith("#")]
        self.assertEqual(headings(fake_report(self.doc).encode())[:3], headings(old_block))

    def test_missing_markers_are_refused_before_any_run(self):
        self.doc.write_text("# Benchmarks\n\nhand-written only\n")
        before = self.doc.read_bytes()
        models = self.tmp / "models"  # empty: a run would try to generate models
        rc = run_benchmarks.main(["--seam", shutil.which("true") or "/bin/true", "--models", str(models),
                                  "--out", str(self.doc)])
        self.assertEqual(rc, 2)
        self.assertEqual(self.doc.read_bytes(), before)
        self.assertFalse(models.exists(), "nothing ran")

    def test_a_missing_file_gets_only_the_block(self):
        new = self.tmp / "sub" / "new.md"
        doc_section.check_file(new, OWNER)
        doc_section.rewrite_file(new, OWNER, "body\n")
        self.assertEqual(new.read_text(), f"{BEGIN}\nbody\n{END}\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
