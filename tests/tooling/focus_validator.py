"""The FinOps Foundation's FOCUS validator (focus-validator), run in its image.

The image is built by `scripts/setup focus-validator` (tests/tooling/focus_validator/),
which tests/run.py runs for a folder whose tests import this module, and whose
name it exports as FOCUS_VALIDATOR_IMAGE. The container has no network: the
validator uses the FOCUS 1.2 rules it ships with (--block-download).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

# What the report's rows are: the applicability criteria of FOCUS 1.2 that
# hold for them, so the validator judges the columns that go with them.
CRITERIA = (
    "AVAILABILITY_ZONE_SUPPORTED",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "REGION_SUPPORTED",
    "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "TAGGING_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
)
TOTALS = re.compile(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+) \| Skipped: (\d+)")
FAILED = re.compile(r"^❌ (\S+): FAIL", re.MULTILINE)


def image():
    name = os.environ.get("FOCUS_VALIDATOR_IMAGE")
    if not name:
        raise RuntimeError("FOCUS_VALIDATOR_IMAGE is not set: run scripts/setup focus-validator")
    return name


def validate(path: Path, version="1.2"):
    """Run the validator on one CSV or Parquet file; return (totals, failed rule ids, output)."""
    path = Path(path).resolve()
    proc = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "-v", "%s:/data:ro" % path.parent, image(),
         "--data-file", "/data/" + path.name, "--data-format", path.suffix.lstrip("."),
         "--validate-version", version, "--block-download", "--output-type", "console",
         "--applicability-criteria", ",".join(CRITERIA)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    match = TOTALS.search(output)
    if not match:
        raise RuntimeError("focus-validator printed no totals (exit %d):\n%s" % (proc.returncode, output[-3000:]))
    total, passed, failed, skipped = map(int, match.groups())
    return {"total": total, "pass": passed, "fail": failed, "skipped": skipped}, FAILED.findall(output), output
