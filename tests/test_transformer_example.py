"""The README's Transformer text classifier (the Keras guide's: token and
position embedding, one Transformer block, pooling, dense) learns generated
reviews. Kept in step with the README block the lead integrates."""
import numpy as np

from ckeras import layers, models


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = models.Sequential([layers.Dense(ff_dim, activation="relu"),
                                      layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=None):
        attn_output = self.att(inputs, inputs)
        out1 = self.layernorm1(inputs + self.dropout1(attn_output, training=training))
        ffn_output = self.ffn(out1)
        return self.layernorm2(out1 + self.dropout2(ffn_output, training=training))


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = self.pos_emb(np.arange(x.shape[-1]))
        return self.token_emb(x) + positions


def test_transformer_text_classifier_learns():
    # Generated reviews: tokens 3-12 are positive words, 13-22 negative ones; a
    # review is positive when it has more positive than negative words.
    vocab_size, maxlen = 50, 16
    rng = np.random.default_rng(0)
    x = rng.integers(23, vocab_size, (1200, maxlen))
    n_pos, n_neg = rng.integers(0, 4, (2, 1200))
    n_neg[n_pos == n_neg] += 1
    for row, (p, n) in enumerate(zip(n_pos, n_neg)):
        slots = rng.permutation(maxlen)[:p + n]
        x[row, slots[:p]] = rng.integers(3, 13, p)
        x[row, slots[p:]] = rng.integers(13, 23, n)
    y = (n_pos > n_neg).astype("int32")

    inputs = layers.Input(shape=(maxlen,))
    h = TokenAndPositionEmbedding(maxlen, vocab_size, 32)(inputs)
    h = TransformerBlock(32, 2, 32)(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dropout(0.1)(h)
    h = layers.Dense(20, activation="relu")(h)
    outputs = layers.Dense(2, activation="softmax")(h)
    model = models.Model(inputs=inputs, outputs=outputs)

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], batch_size=32, epochs=3, verbose=0)
    loss, acc = model.evaluate(x[1000:], y[1000:], verbose=0)

    assert acc > 0.9, acc
