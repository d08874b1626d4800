"""SIGTERM arriving while the garbage collector runs a finalizer (a zip file's __del__, a weakref
callback) must still stop the run: an exception raised there is only printed ("Exception ignored
... Traceback") and lost."""

import signal
import sys
import time

import pytest

from xltools.backend import safety
from xltools.errors import Terminated


class ClosedByTheCollector:
    def __del__(self):
        safety.on_signal(signal.SIGTERM, sys._getframe())   # as if the signal came in here


def test_a_signal_inside_a_finalizer_is_raised_again_outside_it(capsys):
    previous = signal.signal(signal.SIGTERM, safety.on_signal)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = safety.unraisable(previous_hook)     # as the CLI installs them
    try:
        with pytest.raises(Terminated):
            ClosedByTheCollector()          # finalised at once: nothing raised inside __del__
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)            # the signal comes back, here, outside the finalizer
        assert "Exception ignored" not in capsys.readouterr().err
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


def test_a_signal_inside_a_weakref_callback_is_raised_again_outside_it(capsys):
    import weakref
    previous = signal.signal(signal.SIGTERM, safety.on_signal)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = safety.unraisable(previous_hook)
    try:
        class Registered:
            pass
        thing = Registered()
        ref = weakref.ref(thing, lambda _: safety.on_signal(signal.SIGTERM, sys._getframe()))
        with pytest.raises(Terminated):
            del thing                       # the callback runs now (as pandera's registry's)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
        assert ref() is None and "Exception ignored" not in capsys.readouterr().err
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook
