"""The timing rule every benchmark script shares."""
import statistics
import time


def median_time(fn, number, repeat):
    """Median over `repeat` runs of the mean time of `number` calls (seconds)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)
