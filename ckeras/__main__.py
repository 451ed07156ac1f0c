"""`python -m ckeras` / `ckeras`: the demo and the command-line tools."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from ckeras import __version__
from ckeras.datasets import digits, reviews
from ckeras.layers import LSTM, Bidirectional, Dense, Dropout, Embedding
from ckeras.models import Sequential, load_model
from ckeras.preprocessing.sequence import pad_sequences
from ckeras.preprocessing.text import Tokenizer
from ckeras.saving import convert_file
from ckeras.saving.inspect_file import describe
from ckeras.utils import set_random_seed


def _digits(args):
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
    print(f"8x8 digits: {len(x_train)} training and {len(x_test)} test images")
    model = Sequential([
        Dense(args.units, activation="relu", input_shape=(64,)),
        Dropout(0.2),
        Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=args.verbose)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"digits: test loss {loss:.4f} - test accuracy {acc:.4f}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "digits_mlp.h5")
        model.save(path)
        reloaded = load_model(path)
        again = reloaded.evaluate(x_test, y_test, verbose=0)[1]
    print(f"digits: saved to .h5 and reloaded - test accuracy {again:.4f}")
    return acc


def _reviews(args):
    (t_train, y_train), (t_test, y_test) = reviews.load_data()
    tokenizer = Tokenizer(num_words=200, oov_token="<unk>")
    tokenizer.fit_on_texts(t_train)
    x_train = pad_sequences(tokenizer.texts_to_sequences(t_train), maxlen=10)
    x_test = pad_sequences(tokenizer.texts_to_sequences(t_test), maxlen=10)
    print(f"reviews: {len(t_train)} training and {len(t_test)} test sentences, "
          f"{len(tokenizer.word_index)} words")
    model = Sequential([Embedding(200, 16, input_length=10, mask_zero=True),
                        Bidirectional(LSTM(16)), Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=16, epochs=max(args.epochs, 15),
              verbose=0)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"reviews: test loss {loss:.4f} - test accuracy {acc:.4f}")
    return acc


def _demo(args):
    start = time.perf_counter()
    set_random_seed(args.seed)
    _digits(args)
    _reviews(args)
    print(f"done in {time.perf_counter() - start:.2f} s")
    return 0


def _inspect(args):
    try:
        missing = describe(args.file)
    except (OSError, ValueError) as e:
        print(f"ckeras inspect: {e}", file=sys.stderr)
        return 2
    return 1 if missing else 0


def _convert(args):
    try:
        convert_file.convert(args.input, args.output, overwrite=args.overwrite)
        print(f"ckeras convert: wrote {args.output}")
        if args.check:
            diff = convert_file.check(args.input, args.output)
            print(f"largest |difference| of the predictions: {diff:.3g}")
            if not diff <= args.tolerance:
                print(f"ckeras convert: the predictions differ by more than "
                      f"{args.tolerance:g}", file=sys.stderr)
                return 1
    except (OSError, ValueError, TypeError, NotImplementedError) as e:
        print(f"ckeras convert: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ckeras", description="ckeras: the Keras 2 API on NumPy and C kernels.")
    parser.add_argument("--version", action="version", version=f"ckeras {__version__}")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="train on the bundled digits and reviews (default)")
    for p in (parser, demo):
        p.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
        p.add_argument("--units", type=int, default=64, help="hidden units (default 64)")
        p.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
        p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="0 silent, 1 progress bar (default), 2 one line per epoch")
    insp = sub.add_parser("inspect", help="describe a Keras .h5 file (version, layers, "
                                          "weight shapes) without loading the weights")
    insp.add_argument("file", help="path of a Keras HDF5 model or weights file")
    conv = sub.add_parser("convert", help="load a model file (any Keras era ckeras reads) "
                                          "and save it as OUT (.h5: tf.keras 2 layout)")
    conv.add_argument("input", help="the model file to read")
    conv.add_argument("output", help="the file to write; its extension picks the format")
    conv.add_argument("--check", action="store_true",
                      help="load both files, predict on random inputs and print the "
                           "largest difference (exit 1 above --tolerance)")
    conv.add_argument("--tolerance", type=float, default=1e-5,
                      help="largest accepted difference for --check (default 1e-5)")
    conv.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    args = parser.parse_args(argv)
    if args.command == "inspect":
        return _inspect(args)
    if args.command == "convert":
        return _convert(args)
    if args.epochs < 1 or args.units < 1 or args.batch_size < 1:
        parser.error("--epochs, --units and --batch-size must be positive")
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
