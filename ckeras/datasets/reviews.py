"""A tiny set of one-line film reviews (written for ckeras), labelled 1 = liked."""
import numpy as np

_SUBJECTS = ["the film", "this movie", "the plot", "the acting", "the story", "the ending",
             "the soundtrack", "the cast", "the script", "the direction"]
_GOOD = ["was wonderful", "felt fresh and clever", "made me smile", "was a real delight",
         "is beautifully made", "kept me hooked", "was moving and warm", "is simply great"]
_BAD = ["was dull", "felt slow and tired", "made me yawn", "was a real mess",
        "is badly made", "lost me early", "was flat and cold", "is simply awful"]
_TAILS = ["", " from start to finish", " sadly", " honestly", " overall", " in the end"]


def load_data(test_split=0.25, seed=7):
    """Returns `(texts_train, y_train), (texts_test, y_test)`: short reviews and labels.

    Args:
        test_split: fraction held out for testing.
        seed: seed of the shuffle before splitting.

    Returns:
        Lists of strings and int arrays of labels (1 liked, 0 disliked).
    """
    texts, labels = [], []
    for i, subject in enumerate(_SUBJECTS):
        for j in range(len(_GOOD)):
            tail = _TAILS[(i + j) % len(_TAILS)]
            texts.append(f"{subject} {_GOOD[j]}{tail}.")
            labels.append(1)
            texts.append(f"{subject} {_BAD[(j + i) % len(_BAD)]}{tail}.")
            labels.append(0)
    order = np.random.default_rng(seed).permutation(len(texts))
    texts = [texts[k] for k in order]
    labels = np.asarray(labels, dtype="int32")[order]
    n_test = int(round(len(texts) * test_split))
    return (texts[n_test:], labels[n_test:]), (texts[:n_test], labels[:n_test])
