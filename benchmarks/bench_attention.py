"""MultiHeadAttention benchmarks (float32) against torch.nn.MultiheadAttention.

Self-attention with 8 heads of key_dim 64 (model width 512) on sequences of
128 at batch 32, printed as ratios and recorded (see peers.py):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_attention.py \
        [--case mha_forward_b32 ...] [--threads 1] [--quick]

`--threads 1` runs both libraries on one thread (ckeras: one BLAS thread, no
helper thread). `--threads N` (N >= 2, 2 = default threads on this 2-core
machine) gives torch N intra-op threads and leaves ckeras at its defaults
(BLAS threading policy and helper thread on); `--threads 0` leaves both
libraries at their defaults.

Cases:
- mha_forward_b32: `predict_on_batch` of a model that is one
  MultiHeadAttention(8, 64) on (32, 128, 512), vs the torch module under
  `inference_mode` (`need_weights=False`, so torch takes its fused path);
- mha_train_b32: one Adam/MSE train step of that model vs the same in torch;
- encoder_train_b32: one Adam/MSE train step of a one-block Transformer
  encoder as the Keras guide writes it (MultiHeadAttention(8, 32) over width
  256, residual + LayerNormalization(1e-6), Dense(1024, relu) + Dense(256),
  residual + LayerNormalization; dropout 0 so both sides do the same work) vs
  `torch.nn.TransformerEncoderLayer(256, 8, 1024, dropout=0, post-norm)`;
- sdpa_kernel_b32: the fused attention kernel alone (`_attention.sdpa_fwd`,
  probabilities included) vs `torch.nn.functional.scaled_dot_product_attention`
  on the projected (32, 8, 128, 64) tensors.

Target (issue 16): forward and train step at most 1.0x torch's time, the
encoder train step too.
"""
import functools

import numpy as np
from peers import Results, main_parser, time_runs, wanted

B, T, HEADS, KEY_DIM = 32, 128, 8, 64
WIDTH = HEADS * KEY_DIM
CASES = ("mha_forward_b32", "mha_train_b32", "encoder_train_b32", "sdpa_kernel_b32")
ENC_WIDTH, ENC_HEADS, ENC_FF = 256, 8, 1024
LABEL = f"MultiHeadAttention({HEADS}, {KEY_DIM}) self-attention on ({B}, {T}, {WIDTH})"


def _ck_model(layers, models):
    inp = layers.Input((T, WIDTH))
    return models.Model(inp, layers.MultiHeadAttention(HEADS, KEY_DIM)(inp, inp))


def _ck_encoder(layers, models):
    inp = layers.Input((T, ENC_WIDTH))
    att = layers.MultiHeadAttention(ENC_HEADS, ENC_WIDTH // ENC_HEADS)(inp, inp)
    h = layers.LayerNormalization(epsilon=1e-6)(inp + att)
    ff = layers.Dense(ENC_WIDTH)(layers.Dense(ENC_FF, activation="relu")(h))
    return models.Model(inp, layers.LayerNormalization(epsilon=1e-6)(h + ff))


def _torch_encoder_train(torch, x, y):
    enc = torch.nn.TransformerEncoderLayer(ENC_WIDTH, ENC_HEADS, ENC_FF, dropout=0.0,
                                           layer_norm_eps=1e-6, batch_first=True)
    opt = torch.optim.Adam(enc.parameters(), 1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(enc(xt), yt).backward()
        opt.step()
    return step


def _torch_forward(torch, mha, x):
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return mha(xt, xt, xt, need_weights=False)[0]
    return run


def _torch_train(torch, mha, x, y):
    opt = torch.optim.Adam(mha.parameters(), 1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(mha(xt, xt, xt, need_weights=False)[0], yt)
        loss.backward()
        opt.step()
    return step


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES, tf=False)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of each library; 0 = each library's default")
    args = ap.parse_args(argv)
    results = Results("bench_attention.py", args)
    repeat = 2 if args.quick else args.repeat
    number = 1

    import torch

    from ckeras import layers, models, optimizers
    from ckeras._ext import _attention
    from ckeras.utils import get_blas_threads, set_blas_threads, set_kernel_threads

    if args.threads > 0:
        torch.set_num_threads(args.threads)
        set_kernel_threads(min(args.threads, 2))
    if args.threads == 1:
        set_blas_threads(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, WIDTH)).astype(np.float32)
    y = np.zeros((B, T, WIDTH), np.float32)

    def compare(case, label, ck, pt):
        tc, tt = time_runs(ck, number, repeat), time_runs(pt, number, repeat)
        results.record(case, "ckeras", tc, number=number, label=label)
        results.record(case, "torch", tt, number=number, label=label)
        print(f"{label:70s} ckeras {tc.median * 1e3:8.2f} ms  torch {tt.median * 1e3:8.2f} ms"
              f"  ratio {tc.median / tt.median:.2f}x", flush=True)

    mha = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
    if wanted(args, "mha_forward_b32"):
        m = _ck_model(layers, models)
        compare("mha_forward_b32", f"{LABEL}, inference",
                functools.partial(m.predict_on_batch, x), _torch_forward(torch, mha, x))
    if wanted(args, "mha_train_b32"):
        m = _ck_model(layers, models)
        m.compile(optimizers.Adam(1e-3), "mse")
        compare("mha_train_b32", f"{LABEL}, one Adam train step",
                functools.partial(m.train_on_batch, x, y), _torch_train(torch, mha, x, y))
    if wanted(args, "encoder_train_b32"):
        xe = rng.standard_normal((B, T, ENC_WIDTH)).astype(np.float32)
        ye = np.zeros_like(xe)
        m = _ck_encoder(layers, models)
        m.compile(optimizers.Adam(1e-3), "mse")
        compare("encoder_train_b32",
                f"Transformer encoder block (width {ENC_WIDTH}, {ENC_HEADS} heads, ff "
                f"{ENC_FF}) on ({B}, {T}), one Adam train step",
                functools.partial(m.train_on_batch, xe, ye), _torch_encoder_train(torch, xe, ye))
    if wanted(args, "sdpa_kernel_b32"):
        q, k, v = (rng.standard_normal((B, T, HEADS, KEY_DIM)).astype(np.float32)
                   for _ in range(3))
        qt, kt, vt = (torch.from_numpy(np.ascontiguousarray(a.transpose(0, 2, 1, 3)))
                      for a in (q, k, v))
        scale = 1.0 / np.sqrt(KEY_DIM)

        def torch_sdpa():
            with torch.inference_mode():
                return torch.nn.functional.scaled_dot_product_attention(qt, kt, vt)
        compare("sdpa_kernel_b32",
                f"fused attention kernel ({B}, {T}, {HEADS} heads x {KEY_DIM})",
                functools.partial(_attention.sdpa_fwd, q, k, v, None, scale, True,
                                  # as MultiHeadAttention calls it: heads shared
                                  # with the helper unless OpenBLAS's pool
                                  # threads each GEMM
                                  2 if get_blas_threads() in (None, 1) else 1), torch_sdpa)


if __name__ == "__main__":
    main()
