"""The README's Python example runs as written."""

import contextlib
import io
import re

from conftest import REPO


def test_readme_python_example_runs():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "the README has no Python example"
    assert len(blocks[0].strip().splitlines()) <= 12
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {})
    shape, score = out.getvalue().rsplit(")", 1)
    assert shape == "(60, 60"
    assert float(score) > 0.8
