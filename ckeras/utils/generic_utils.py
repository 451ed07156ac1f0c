"""Progress bar in Keras' console format.

The output follows tf.keras 2.x character for character:

* ``verbose=1``: ``  7/10 [====================>.........] - ETA: 0s - loss: 0.6931``
  while running, ``10/10 [==============================] - 1s 98ms/step - loss: 0.6931``
  once done.  On a terminal (or in a notebook) the line is redrawn in place
  with ``\\b``/``\\r``; when stdout is not a terminal (CI logs, files) only
  the final line of each bar is printed.
* ``verbose=2``: a single line when done,
  ``10/10 - 1s - loss: 0.6931 - 980ms/epoch - 98ms/step``.

Set the environment variable ``CKERAS_PROGBAR_DYNAMIC`` to ``1`` (``0``) to
force (forbid) in-place redrawing.
"""
import os
import sys
import time

import numpy as np

# Keras 2 kept the custom-object registry and (de)serialization helpers here.
from ckeras.saving.object_registry import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
)
from ckeras.saving.serialization import (  # noqa: F401
    deserialize_keras_object,
    serialize_keras_object,
)


def _dynamic_display():
    """Whether the bar may be redrawn in place (terminal or notebook)."""
    forced = os.environ.get("CKERAS_PROGBAR_DYNAMIC")
    if forced is not None and forced.strip() != "":
        return forced.strip().lower() not in ("0", "false", "no", "off")
    stream = sys.stdout
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules


def _format_eta(eta):
    """Remaining time as `1:02:03`, `2:03` or `3s`."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def format_time_per_unit(seconds, unit_name="step"):
    """Text like `' 3ms/step'` for a duration per unit.

    Args:
        seconds: duration of one unit, in seconds.
        unit_name: name of the unit (`'step'`, `'sample'`, `'epoch'`).

    Returns:
        The duration in `s`, `ms` or `us` (by magnitude), with a leading space.
    """
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def format_value(value):
    """Keras' metric formatting: `' %.4f'`, or `' %.4e'` when |value| <= 1e-3."""
    return " %.4f" % value if abs(value) > 1e-3 else " %.4e" % value


def _as_number(value):
    """A float for numbers and arrays (their mean); anything else unchanged."""
    if isinstance(value, (str, bytes)):
        return value
    try:
        return float(np.mean(value))
    except (TypeError, ValueError):
        return value


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen.
        verbose: verbosity mode, 0 (silent), 1 (bar), 2 (one line when done).
        interval: minimum visual progress update interval (in seconds).
        stateful_metrics: iterable of names of metrics that should *not* be
            averaged over time; they are displayed as given.  Every other
            metric is averaged over the steps seen so far.
        unit_name: display name for the step counts (usually `'step'` or
            `'sample'`).

    Example:
        >>> bar = Progbar(10)
        >>> for i in range(10):
        ...     bar.update(i + 1, values=[('loss', 0.5)])
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05,
                 stateful_metrics=None, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = _dynamic_display()
        self._total_width = 0
        self._seen_so_far = 0
        # name -> [weighted sum, weight] (averaged) or [value, 1] (stateful)
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def _update_stateful_metrics(self, stateful_metrics):
        """Adds names to the set of metrics displayed as given."""
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: index of the current step (1-based count of steps done).
            values: list of tuples `(name, value_for_last_step)`.  Names in
                `stateful_metrics` are shown as given, the others are shown
                as an average over the steps seen so far.
            finalize: whether this is the last update for the bar.  If None,
                defaults to `current >= self.target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            value = _as_number(value)
            if name in self.stateful_metrics or not isinstance(value, float):
                self._values[name] = [value, 1]
            else:
                # When the bar's target is unknown during the first epoch the
                # final update repeats the last step; count it at least once.
                weight = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * weight
                    self._values[name][1] += weight
                else:
                    self._values[name] = [value * weight, weight]
        self._seen_so_far = current

        now = time.time()
        if self.target is not None and current == self.target:
            self._time_at_epoch_end = now
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            if not finalize:
                if not self._dynamic_display:
                    return  # static output: only the final line is printed
                if now - self._last_update < self.interval:
                    return
            self._write(self._bar_line(current, now, time_per_unit, finalize))
        elif self.verbose == 2 and finalize:
            self._write(self._summary_line(current, now))
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps (see `update`)."""
        self.update(self._seen_so_far + n, values)

    # ------------------------------------------------------------ internals
    def _estimate_step_duration(self, current, now):
        """Seconds per step, ignoring the (often slow) first step if possible."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _value_text(self, name, tiny_check=abs):
        total, count = self._values[name]
        if not isinstance(total, float):
            return f" {total}"
        avg = total / max(1, count)
        return " %.4f" % avg if tiny_check(avg) > 1e-3 else " %.4e" % avg

    def _bar_line(self, current, now, time_per_unit, finalize):
        prev_total_width = self._total_width
        message = ("\b" * prev_total_width + "\r") if self._dynamic_display else ""
        if self.target is not None:
            digits = len(str(int(self.target)))
            bar = f"{current:{digits}d}/{self.target} ["
            progress = float(current) / self.target if self.target else 1.0
            filled = int(self.width * progress)
            if filled > 0:
                bar += "=" * (filled - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - filled)
            bar += "]"
        else:
            bar = "%7d/Unknown" % current
        self._total_width = len(bar)
        message += bar

        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s"
            info += format_time_per_unit(time_per_unit, self.unit_name)
        else:
            eta = time_per_unit * (self.target - current)
            info = f" - ETA: {_format_eta(eta)}"
        for name in self._values_order:
            info += f" - {name}:" + self._value_text(name)

        self._total_width += len(info)
        if self._dynamic_display and prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        return message + info

    def _summary_line(self, current, now):
        if self.target is not None:
            digits = len(str(int(self.target)))
            info = f"{current:{digits}d}/{self.target}"
        else:
            info = f"{current}/Unknown"
        info += f" - {now - self._start:.0f}s"
        for name in self._values_order:
            # tf.keras compares the signed value here (negative -> %.4e).
            info += f" - {name}:" + self._value_text(name, tiny_check=lambda v: v)
        epoch_end = self._time_at_epoch_end if self._time_at_epoch_end else now
        time_per_epoch = epoch_end - self._time_at_epoch_start
        steps = self.target if self.target else max(current, 1)
        info += " -" + format_time_per_unit(time_per_epoch, "epoch")
        info += " -" + format_time_per_unit(time_per_epoch / steps, self.unit_name)
        self._time_at_epoch_start = now
        self._time_at_epoch_end = None
        return info + "\n"

    @staticmethod
    def _write(message):
        sys.stdout.write(message)
        sys.stdout.flush()
