"""Child process for the crash test: appends records forever, printing each one as the save returns."""

import sys
from pathlib import Path

from storage.store import Store
from tests.conftest import scenario_body

store = Store(Path(sys.argv[1]))
staff = ["S001", "S002", "S003"]
n = 0
while True:
    record = store.append("scenario_check", scenario_body(staff[n % 3], decision_seconds=n % 500))
    sys.stdout.write(f"{record['seq']} {record['hash']}\n")
    sys.stdout.flush()
    n += 1
