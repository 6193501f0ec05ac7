"""caldav-server-tester against one CalDAV server, as a JSON report of
feature -> support level on stdout.

The tester stops on an assertion of its own when a check cannot record
every feature it declares (`CheckDuplicateEvent` on a server that
refuses events): such a check's features are recorded as "unknown" and
the run goes on.

Usage: python3 server_tester.py URL USERNAME PASSWORD
(run with the Python of the virtual environment holding the tester.)
"""

import contextlib
import io
import json
import logging
import sys

from caldav_server_tester import caldav_server_tester, checks_base

url, username, password = sys.argv[1:4]
logging.disable(logging.WARNING)

original = checks_base.Check.run_check


def tolerant(self, *args, **kwargs):
    try:
        return original(self, *args, **kwargs)
    except AssertionError as stopped:
        print(f"note: {type(self).__name__} stopped: {stopped}", file=sys.stderr)
        recorded = set(self.checker._features_checked.dotted_feature_set_list().keys())
        for feature in self.features_to_be_checked - recorded:
            self.set_feature(feature, {"support": "unknown"})
        self.checker._checks_run.add(type(self))


checks_base.Check.run_check = tolerant

# Every feature observed, none collapsed into its parent.
observed = {}


def keep_report(checker, *args, **kwargs):
    observed.update(checker._features_checked.dotted_feature_set_list(compact=False))


caldav_server_tester._emit_report = keep_report
with contextlib.redirect_stdout(io.StringIO()):
    caldav_server_tester.check_server_compatibility.main(
        ["--caldav-url", url, "--caldav-username", username, "--caldav-password", password],
        standalone_mode=False,
    )
print(json.dumps(observed, indent=1, sort_keys=True))
