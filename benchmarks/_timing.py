"""The timing rules the benchmark scripts share."""
import statistics
import threading
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


def thread_scaling(fn, calls):
    """Throughput of 2 Python threads each calling `fn` `calls` times, over
    one thread doing the same (so 2.0 is perfect scaling on 2 cores)."""
    def work(n):
        for _ in range(n):
            fn()

    work(3)
    t0 = time.perf_counter()
    work(calls)
    one = calls / (time.perf_counter() - t0)
    threads = [threading.Thread(target=work, args=(calls,)) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = 2 * calls / (time.perf_counter() - t0)
    return two / one, one, two
