"""`q2c-dev test`: every test suite of the workspace, each in its own pytest process.

Each service owns its own tables on the one SQLModel metadata, so two services' tests cannot
share an interpreter; running one pytest per suite also mirrors how the services deploy.
A suite with no tests yet counts as passed (pytest exit 5). The last line totals all suites
("N passed, N failed") so CI reads one verdict.
"""

import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

NO_TESTS_COLLECTED = 5


@dataclass
class SuiteResult:
    suite: str
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_code in (0, NO_TESTS_COLLECTED)


def _count(report: Path, result: SuiteResult) -> None:
    if not report.exists():
        return
    for suite in ElementTree.parse(report).getroot().iter("testsuite"):
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        result.failed += failed
        result.skipped += skipped
        result.passed += tests - failed - skipped


def run_suites(suites: list[str], extra_args: list[str]) -> int:
    results: list[SuiteResult] = []
    with TemporaryDirectory() as scratch:
        for index, suite in enumerate(suites):
            print(f"\n=== {suite} ===", flush=True)
            report = Path(scratch) / f"{index}.xml"
            started = time.monotonic()
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    suite,
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={report}",
                    *extra_args,
                ],
                check=False,
            )
            result = SuiteResult(suite, completed.returncode, seconds=time.monotonic() - started)
            _count(report, result)
            results.append(result)
    print("\n=== summary ===")
    for result in results:
        verdict = "ok" if result.ok else f"FAILED (exit {result.exit_code})"
        print(
            f"  {result.suite:<24} {result.passed:>4} passed {result.failed:>3} failed "
            f"{result.skipped:>3} skipped {result.seconds:>6.1f}s  {verdict}"
        )
    passed = sum(result.passed for result in results)
    failed = sum(result.failed for result in results)
    skipped = sum(result.skipped for result in results)
    broken = [result.suite for result in results if not result.ok and not result.failed]
    if broken:
        print(f"  suites that errored without a failed test: {', '.join(broken)}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if all(result.ok for result in results) else 1
