"""Open bugs the fuzzers know about, in one place: the lead removes an entry
when its fix merges, and the fuzzers then fail on it again.

KNOWN_OPEN: outcomes of the model-file fuzzer (model_files.py) that are
counted and reported instead of failing the run. 'hang', 'memory' and
'link-followed' can be listed: 'crash' and 'code-exec' always fail.

KNOWN_KERNEL: differential checks of the atheris harnesses (harnesses/) that
are skipped while a bug is open (the call itself still runs, so a crash is
still found).

The strict-xfail marks of the property tests (test_*_props.py) carry the
same item numbers in their reasons.
"""

# (outcome, mutator family) -> the open item that explains it.
KNOWN_OPEN = {
    ("hang", "h5_byte_flip"): "#19 item 5 (libhdf5 spins on corrupted files)",
    ("hang", "h5_truncate"): "#19 item 5 (libhdf5 spins on corrupted files)",
    ("hang", "h5_zero_block"): "#19 item 5 (libhdf5 spins on corrupted files)",
    ("hang", "h5_splice"): "#19 item 5 (libhdf5 spins on corrupted files)",
    ("memory", "h5_byte_flip"): "#19 item 5 (libhdf5, corrupt headers declaring huge sizes)",
    ("memory", "h5_zero_block"): "#19 item 5 (libhdf5, corrupt headers declaring huge sizes)",
    # The same libhdf5 parsing, of the weights store inside a `.keras` archive.
    ("hang", "keras_weights_bytes"): "#19 item 5 (libhdf5 spins on corrupted files)",
    ("memory", "keras_weights_bytes"): "#19 item 5 (libhdf5, corrupt headers declaring "
                                       "huge sizes)",
    # Found by this fuzzer, not in #19: a config may declare layer sizes whose
    # weights exceed any memory (Dense(units=10**9)); no loader caps them.
    ("memory", "config_huge_number"): "new: config-declared layer sizes are not capped",
    ("hang", "config_huge_number"): "new: config-declared layer sizes are not capped",
    ("memory", "yaml_config_huge_number"): "new: config-declared layer sizes are not capped",
    ("hang", "yaml_config_huge_number"): "new: config-declared layer sizes are not capped",
    # PyYAML's pure-Python SafeLoader parses ~150 KB/s of nested flow YAML
    # (no LibYAML, no size cap): a 200 KB file takes seconds.
    ("hang", "yaml_config_deep_nesting"): "new: slow pure-Python YAML parse, no size cap",
}

# name -> the open item; harnesses skip the named check while it is listed.
KNOWN_KERNEL = {}
